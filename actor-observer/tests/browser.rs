//! The page in a real browser: Debian's chromium, headless, driven through
//! chromedriver (WebDriver) by fantoccini. The page loads, shows the
//! tree's actor names, marks a stuck handler, lists a dead letter and a
//! subscriber's drops, and a restart shows up live
//! (the restart count on the page changes without a reload).
//!
//! Runs when chromedriver is at `/usr/bin/chromedriver` (or at
//! `ACTOR_CHROMEDRIVER`); otherwise passes and prints one line saying it
//! did not run, unless `ACTOR_BROWSER` is set (CI), when it fails. With
//! the `cluster` feature the page's cluster view lists a second node. `ACTOR_OBSERVER_SCREENSHOT=path.png` saves a screenshot of
//! the page after the restart (docs/observer.png is one).

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::MailboxCapacity;
use actor_observer::Observer;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::json;
use tokio::process::{Child, Command};

use actor_core::events::{Overflow, SubscribeOptions};
use common::{crash_flaky, known_tree, Db, Tick, Work, Worker, STEP};

/// The whole test, browser start included, ends within this.
const WHOLE: Duration = Duration::from_secs(180);

/// A browser session may take this long to start on a loaded machine.
const SESSION: Duration = Duration::from_secs(60);

fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("ACTOR_CHROMEDRIVER")
        .map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from);
    path.exists().then_some(path)
}

fn chromium() -> PathBuf {
    std::env::var_os("ACTOR_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// chromedriver, killed (by its own pid) when dropped. The browser it
/// starts is ended by closing the session, which the test does on every
/// path but the whole test's timeout.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    async fn start(path: &PathBuf) -> Driver {
        let port = {
            let free = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            free.local_addr().expect("its address").port()
        };
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver { child, port };
        let ready = async {
            while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::time::timeout(STEP, ready).await.expect("chromedriver listens in time");
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// A handler that never finishes while the test runs: a stuck actor.
struct Stall;
impl Message for Stall {
    type Reply = ();
}
struct Slow;
impl Actor for Slow {
    const MAILBOX: MailboxCapacity = MailboxCapacity::Bounded(8);
}
impl Handler<Stall> for Slow {
    async fn handle(&mut self, _: Stall, _: &mut Context<Self>) {
        std::future::pending::<()>().await;
    }
}

/// The text of the first element matching `css`, once it equals `want`;
/// polled (the page updates every sample) within `STEP`.
async fn wait_for_text(client: &Client, css: &str, want: &str) {
    let poll = async {
        loop {
            if let Ok(element) = client.find(Locator::Css(css)).await {
                if element.text().await.is_ok_and(|t| t == want) {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    if tokio::time::timeout(STEP, poll).await.is_err() {
        let source = client.source().await.unwrap_or_default();
        panic!("`{css}` never read {want:?}; the page was:\n{source}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stdout)] // the one line saying the test did not run
async fn the_page_shows_the_tree_and_a_restart_appears_live() {
    let Some(driver_path) = chromedriver() else {
        assert!(
            std::env::var_os("ACTOR_BROWSER").is_none(),
            "ACTOR_BROWSER is set but there is no chromedriver"
        );
        println!("browser test not run: no /usr/bin/chromedriver (apt-get install chromium chromium-driver, or set ACTOR_CHROMEDRIVER)");
        return;
    };
    tokio::time::timeout(WHOLE, drive(driver_path)).await.expect("the browser test ends in time");
}

async fn drive(driver_path: PathBuf) {
    actor_core::silence_caught_panics();
    let system = ActorSystem::new();
    let app = known_tree(&system).await;
    let db = app.child::<Db>("db").await.unwrap();
    for _ in 0..3 {
        db.ask(Work).await.unwrap();
    }
    let slow = system.spawn_with(Slow, SpawnOptions::new().name("slow").slow_handler(None));
    for _ in 0..6 {
        slow.tell(Stall).await.unwrap();
    }
    let observer = Observer::builder(&system)
        .interval(Duration::from_millis(100))
        .stuck_after(Duration::from_millis(200));
    #[cfg(feature = "cluster")]
    let (observer, cluster) = {
        let cluster = cluster::Pair::start(&system).await;
        (observer.node(&cluster.here), cluster)
    };
    let observer = observer.serve().await.unwrap();
    let url = format!("http://{}/", observer.local_addr());
    // A stream subscriber that drops 3 of 5, and a dead letter.
    let _ticks = system
        .events()
        .subscribe_with::<Tick>(SubscribeOptions::new().buffer(2).overflow(Overflow::DropNewest));
    for _ in 0..5 {
        system.events().publish(Tick);
    }
    let gone = system.spawn(Worker);
    gone.stop();
    gone.wait_for_stop().await;
    assert!(gone.tell(Work).await.is_err());

    let driver = Driver::start(&driver_path).await;
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": chromium(),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1100", "--hide-scrollbars"]
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(capabilities);
    let webdriver = format!("http://127.0.0.1:{}", driver.port);
    let connect = builder.connect(&webdriver);
    let client = tokio::time::timeout(SESSION, connect).await.expect("a session in time").expect("a session");

    // The checks; whatever they find, the session (and so the browser) is
    // closed before the test ends.
    let checks = async {
        client.goto(&url).await.expect("the page loads");
        // The live stream connects and draws the tree.
        wait_for_text(&client, "#connection", "live").await;
        for name in ["app", "db", "web", "flaky", "slow"] {
            wait_for_text(&client, &format!("[data-name=\"{name}\"] .name"), name).await;
        }
        wait_for_text(&client, "[data-name=\"db\"] .depth", "0 / 16").await;
        wait_for_text(&client, "[data-name=\"flaky\"] .restarts", "0").await;
        // The stuck handler is marked (it has handled one message for longer
        // than 200 ms; the five others wait behind it).
        wait_for_text(&client, "[data-name=\"slow\"].stuck .depth", "5 / 8").await;
        wait_for_text(&client, "#dead-count", "1").await;
        wait_for_text(&client, "#dead-letters li", &format!("Work → {}", gone.id())).await;
        wait_for_text(&client, "#topics td.dropped", "3").await;
        #[cfg(feature = "cluster")]
        {
            let row = format!("#members tr[data-node=\"{}\"] td.member-up", cluster.there.id());
            wait_for_text(&client, &row, "up").await;
        }
        let updates_before =
            client.find(Locator::Css("body")).await.unwrap().attr("data-updates").await.unwrap();

        // A crash and a restart: the same page, not reloaded, shows it.
        crash_flaky(&system, &app).await;
        wait_for_text(&client, "[data-name=\"flaky\"] .restarts", "1").await;
        let restarted = client.find(Locator::Css("[data-name=\"flaky\"].restarted")).await;
        assert!(restarted.is_ok(), "the restarted actor is highlighted");
        let updates_after =
            client.find(Locator::Css("body")).await.unwrap().attr("data-updates").await.unwrap();
        let count = |v: Option<String>| v.and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        assert!(count(updates_after) > count(updates_before), "the page was updated in place");

        if let Some(path) = std::env::var_os("ACTOR_OBSERVER_SCREENSHOT") {
            let png = client.screenshot().await.expect("a screenshot");
            std::fs::write(&path, png).expect("the screenshot is written");
        }
    };
    let outcome = std::panic::AssertUnwindSafe(checks).catch_unwind().await;
    let _ = tokio::time::timeout(STEP, client.close()).await;
    drop(driver);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    observer.shutdown().await;
    #[cfg(feature = "cluster")]
    cluster.stop().await;
    system.shutdown_timeout(Duration::from_millis(200)).await;
}

/// With the `cluster` feature: this system's node and one other member.
#[cfg(feature = "cluster")]
mod cluster {
    use actor_core::ActorSystem;
    use actor_remote::facts::NodeUp;
    use actor_remote::Node;

    use crate::common::STEP;

    pub(crate) struct Pair {
        pub(crate) here: Node,
        pub(crate) there: Node,
        there_system: ActorSystem,
    }

    impl Pair {
        pub(crate) async fn start(system: &ActorSystem) -> Pair {
            let here = Node::builder(system).listen("127.0.0.1:0").secret("s3cret").start().await.unwrap();
            let mut up = system.events().subscribe::<NodeUp>();
            let there_system = ActorSystem::new();
            let seed = here.local_addr().unwrap().to_string();
            let there = Node::builder(&there_system)
                .listen("127.0.0.1:0")
                .seed(&seed)
                .secret("s3cret")
                .start()
                .await
                .unwrap();
            tokio::time::timeout(STEP, up.recv()).await.expect("the member is up in time");
            Pair { here, there, there_system }
        }

        pub(crate) async fn stop(self) {
            self.there.shutdown().await;
            self.here.shutdown().await;
            self.there_system.shutdown().await;
        }
    }
}
