//! The page in a real browser: Debian's chromium, headless, driven through
//! chromedriver (WebDriver) by fantoccini. The page loads, shows the
//! tree's actor names, marks a stuck handler, lists a dead letter and a
//! subscriber's drops, and a restart shows up live
//! (the restart count on the page changes without a reload).
//!
//! Runs when chromedriver is at `/usr/bin/chromedriver` (or at
//! `ACTOR_CHROMEDRIVER`); otherwise passes and prints one line saying it
//! did not run, unless `ACTOR_BROWSER` is set (CI), when it fails. `ACTOR_OBSERVER_SCREENSHOT=path.png` saves a screenshot of
//! the page after the restart (docs/observer.png is one).

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use actor_core::prelude::*;
use actor_core::MailboxCapacity;
use actor_observer::Observer;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::process::{Child, Command};

use actor_core::events::{Overflow, SubscribeOptions};
use common::{crash_flaky, known_tree, Db, Tick, Work, Worker, STEP};

/// The whole test, browser start included, ends within this.
const WHOLE: Duration = Duration::from_secs(120);

fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("ACTOR_CHROMEDRIVER")
        .map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from);
    path.exists().then_some(path)
}

fn chromium() -> PathBuf {
    std::env::var_os("ACTOR_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// chromedriver in a process group of its own: dropping this kills the
/// group, browsers included.
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
            .process_group(0)
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
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill").args(["-KILL", &format!("-{pid}")]).status();
        }
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
        .stuck_after(Duration::from_millis(200))
        .serve()
        .await
        .unwrap();
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
    let mut builder = ClientBuilder::rustls().expect("a TLS config");
    builder.capabilities(capabilities);
    let webdriver = format!("http://127.0.0.1:{}", driver.port);
    let connect = builder.connect(&webdriver);
    let client = tokio::time::timeout(STEP, connect).await.expect("a session in time").expect("a session");

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
    let updates_before = client.find(Locator::Css("body")).await.unwrap().attr("data-updates").await.unwrap();

    // A crash and a restart: the same page, not reloaded, shows it.
    crash_flaky(&system, &app).await;
    wait_for_text(&client, "[data-name=\"flaky\"] .restarts", "1").await;
    let restarted = client.find(Locator::Css("[data-name=\"flaky\"].restarted")).await;
    assert!(restarted.is_ok(), "the restarted actor is highlighted");
    let updates_after = client.find(Locator::Css("body")).await.unwrap().attr("data-updates").await.unwrap();
    let count = |v: Option<String>| v.and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
    assert!(count(updates_after) > count(updates_before), "the page was updated in place");

    if let Some(path) = std::env::var_os("ACTOR_OBSERVER_SCREENSHOT") {
        let png = client.screenshot().await.expect("a screenshot");
        std::fs::write(&path, png).expect("the screenshot is written");
    }
    let _ = tokio::time::timeout(STEP, client.close()).await;
    drop(driver);
    observer.shutdown().await;
    system.shutdown_timeout(Duration::from_millis(200)).await;
}
