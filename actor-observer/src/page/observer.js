// The observer's page: draws each `state` event of /api/stream. Read-only:
// it only reads the stream; there is nothing here that sends to an actor.
// Every value from the server goes into the page as text, never as HTML.
"use strict";

(function () {
  const token = new URLSearchParams(location.search).get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  const lastRestarts = new Map();

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function text(id, value) {
    document.getElementById(id).textContent = value;
  }

  function mailboxBar(mailbox) {
    if (!mailbox) return el("div", { class: "depth" }, "mailbox: ?");
    const capacity = mailbox.capacity;
    const fraction = capacity ? Math.min(1, mailbox.len / capacity) : Math.min(1, mailbox.len / 1024);
    const fill = el("span");
    fill.style.width = (fraction * 100).toFixed(1) + "%";
    const bar = el("div", { class: "bar" + (capacity && mailbox.len >= capacity ? " full" : "") }, fill);
    const label = el("div", { class: "depth" }, mailbox.len + " / " + (capacity === null ? "∞" : capacity));
    return el("div", { class: "mailbox", title: "mailbox depth / capacity" }, bar, label);
  }

  // One actor's row; `restarts` and `strategy` come from the tree when it has one.
  function actorRow(actor, name, type, restarts, strategy) {
    const classes = ["actor"];
    if (restarts > 0) classes.push("restarted");
    const key = actor ? actor.id : name;
    const before = lastRestarts.get(key);
    if (before !== undefined && restarts > before) classes.push("flash");
    lastRestarts.set(key, restarts);
    if (actor && actor.stuck) classes.push("stuck");
    const title = el("div", {},
      el("span", { class: "name" }, name || "<unnamed>"),
      el("span", { class: "type" }, type),
      strategy ? el("span", { class: "badge strategy" }, strategy.replace(/_/g, "-")) : null);
    const handling = actor && actor.handling
      ? (actor.stuck ? "stuck: " : "handling ") + actor.handling.message + " for " + actor.handling.for_ms + " ms"
      : "idle";
    return el("div", { class: classes.join(" "), "data-name": name || "", "data-id": actor ? actor.id : "" },
      title,
      actor ? mailboxBar(actor.mailbox) : el("div", { class: "depth" }, "not running"),
      el("div", { class: "rate" }, (actor ? actor.per_sec : 0) + " msg/s · " + (actor && actor.handled !== null ? actor.handled : "?") + " handled"),
      el("div", { class: "restarts-cell" }, "restarts ", el("span", { class: "restarts", "data-restarts": restarts }, restarts)),
      el("div", { class: "handling" }, handling));
  }

  function tree(node, actors) {
    const row = actorRow(actors.get(node.id), node.name, node.type, node.restarts, node.strategy);
    const item = el("li", {}, row);
    const children = node.children.map((c) => tree(c, actors));
    if (node.children_omitted) {
      children.push(el("li", { class: "omitted" }, "… " + node.children_omitted + " more not listed"));
    }
    if (children.length) item.append(el("ul", { class: "tree" }, ...children));
    return item;
  }

  function inTrees(trees, ids) {
    for (const node of trees) { ids.add(node.id); inTrees(node.children, ids); }
    return ids;
  }

  function render(state) {
    text("node", state.node);
    text("actor-count", state.actor_count);
    text("rate", state.messages_per_sec);
    text("dead-count", state.dead_letters.count);

    const actors = new Map(state.actors.map((a) => [a.id, a]));
    const trees = document.getElementById("trees");
    trees.replaceChildren(state.trees.length
      ? el("ul", { class: "tree" }, ...state.trees.map((t) => tree(t, actors)))
      : el("p", { class: "empty" }, "no supervisor"));

    const supervised = inTrees(state.trees, new Set());
    const others = state.actors.filter((a) => !supervised.has(a.id));
    const otherRows = others.map((a) => actorRow(a, a.name, a.type, a.restarts, null));
    if (state.actors_omitted) {
      otherRows.push(el("p", { class: "omitted" }, "… " + state.actors_omitted + " more actors not listed (the observer's max_actors)"));
    }
    document.getElementById("others").replaceChildren(...(otherRows.length
      ? otherRows
      : [el("p", { class: "empty" }, "none")]));

    const names = new Map(state.actors.map((a) => [a.id, a.name || a.type]));
    const rows = [];
    for (const topic of state.topics) {
      for (const s of topic.subscribers) {
        rows.push(el("tr", {},
          el("td", {}, topic.event_type),
          el("td", {}, s.actor ? (names.get(s.actor) || s.actor) : "stream"),
          el("td", {}, s.buffered + " / " + s.capacity),
          el("td", {}, s.overflow.replace(/_/g, " ")),
          el("td", { class: s.dropped > 0 ? "dropped" : "" }, s.dropped)));
      }
    }
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 5, class: "empty" }, "no subscriber")));
    document.querySelector("#topics tbody").replaceChildren(...rows);

    document.getElementById("dead-letters").replaceChildren(
      ...state.dead_letters.recent.map((d) => el("li", {}, d.message_type + " → " + d.to)));

    const cluster = document.getElementById("cluster");
    if (state.cluster) {
      const all = [state.cluster.this, ...state.cluster.members];
      cluster.replaceChildren(el("table", { id: "members" },
        el("thead", {}, el("tr", {}, el("th", {}, "node"), el("th", {}, "address"), el("th", {}, "state"))),
        el("tbody", {}, ...all.map((m) => el("tr", { "data-node": m.node },
          el("td", {}, m.node), el("td", {}, m.address || "–"),
          el("td", { class: "member-" + m.state }, m.state))))));
    } else {
      cluster.replaceChildren(el("p", { class: "empty" }, "not part of a cluster"));
    }
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  }

  const connection = document.getElementById("connection");
  const source = new EventSource("api/stream" + query);
  source.addEventListener("state", (event) => {
    connection.textContent = "live";
    connection.className = "connection live";
    const state = JSON.parse(event.data);
    if (state) render(state);
  });
  source.onerror = () => {
    connection.textContent = "reconnecting…";
    connection.className = "connection lost";
  };
})();
