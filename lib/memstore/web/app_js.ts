/**
 * The stream browser's script (`GET /web/app.js`): a dependency-free single-page app over the
 * HTTP API. `#/streams` lists recently changed streams from `$all` (admins; a sign-in form asks
 * for credentials, kept in `sessionStorage`); `#/streams/{name}` shows a stream newest first with
 * paging, and at its head follows new events with `ES-LongPoll` forward reads. Everything it
 * draws is built with `textContent`, never parsed as markup.
 *
 * @module
 */

/** The JavaScript of `/web/app.js`. */
export const APP_JS: string = String.raw`"use strict";
(function () {
  var ATOM = "application/vnd.eventstore.atom+json";
  var PAGE = 20;
  var app = document.getElementById("app");
  var sessionBox = document.getElementById("session");
  var view = 0; // bumped on every navigation: stale polls stop when it moves on
  var poll = null; // the AbortController of the running long-poll

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var key in attrs) {
        if (key === "text") node.textContent = attrs[key];
        else if (key === "class") node.className = attrs[key];
        else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
        else node.setAttribute(key, attrs[key]);
      }
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function credentials() {
    try { return JSON.parse(sessionStorage.getItem("memstore.credentials") || "null"); }
    catch (e) { return null; }
  }

  function setCredentials(value) {
    if (value) sessionStorage.setItem("memstore.credentials", JSON.stringify(value));
    else sessionStorage.removeItem("memstore.credentials");
    drawSession();
  }

  function basic(user, password) {
    var bytes = new TextEncoder().encode(user + ":" + password);
    var binary = "";
    bytes.forEach(function (b) { binary += String.fromCharCode(b); });
    return "Basic " + btoa(binary);
  }

  function api(path, options) {
    options = options || {};
    var headers = { "Accept": ATOM, "X-Requested-With": "XMLHttpRequest" };
    var creds = options.credentials === undefined ? credentials() : options.credentials;
    if (creds) headers["Authorization"] = basic(creds.user, creds.password);
    if (options.longPoll) headers["ES-LongPoll"] = String(options.longPoll);
    return fetch(path, { headers: headers, signal: options.signal }).then(function (response) {
      if (response.status === 200) return response.json();
      var error = new Error("HTTP " + response.status);
      error.status = response.status;
      throw error;
    });
  }

  function streamPath(name) { return "/streams/" + encodeURIComponent(name); }
  function streamHash(name) { return "#/streams/" + encodeURIComponent(name); }

  function drawSession() {
    sessionBox.textContent = "";
    var creds = credentials();
    if (creds) {
      sessionBox.appendChild(el("span", { text: "Signed in as " + creds.user }));
      sessionBox.appendChild(el("button", { text: "Sign out", onclick: function () {
        setCredentials(null); route();
      } }));
    } else {
      sessionBox.appendChild(el("span", { text: "Anonymous" }));
    }
  }

  function time(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime()) || d.getUTCFullYear() < 1000) return "";
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " +
      two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
  }

  // JSON pretty-printed with highlighting, built from text nodes (never markup).
  function highlight(value, indent) {
    indent = indent || "";
    var out = [];
    function push(text, cls) { out.push(cls ? el("span", { class: cls, text: text }) : text); }
    function walk(v, pad) {
      if (v === null || typeof v === "boolean") push(String(v), "j-lit");
      else if (typeof v === "number") push(String(v), "j-num");
      else if (typeof v === "string") push(JSON.stringify(v), "j-str");
      else if (Array.isArray(v)) {
        if (v.length === 0) { push("[]"); return; }
        push("[\n");
        v.forEach(function (item, i) {
          push(pad + "  "); walk(item, pad + "  "); push(i < v.length - 1 ? ",\n" : "\n");
        });
        push(pad + "]");
      } else {
        var keys = Object.keys(v);
        if (keys.length === 0) { push("{}"); return; }
        push("{\n");
        keys.forEach(function (k, i) {
          push(pad + "  "); push(JSON.stringify(k), "j-key"); push(": ");
          walk(v[k], pad + "  "); push(i < keys.length - 1 ? ",\n" : "\n");
        });
        push(pad + "}");
      }
    }
    walk(value, indent);
    return out;
  }

  function parse(text) {
    if (typeof text !== "string" || text === "") return undefined;
    try { return JSON.parse(text); } catch (e) { return undefined; }
  }

  function body(text, isJson) {
    var value = isJson ? parse(text) : undefined;
    if (value === undefined) return el("pre", { text: text === undefined ? "(no data)" : text });
    return el("pre", null, highlight(value));
  }

  function preview(entry) {
    var value = entry.isJson ? parse(entry.data) : undefined;
    var text = value !== undefined ? JSON.stringify(value) : (entry.data || "");
    return el("div", { class: "preview", title: text, text: text });
  }

  function eventRow(entry, fresh, open) {
    var number = entry.positionEventNumber !== undefined ? entry.positionEventNumber : entry.eventNumber;
    var cells = [el("span", { class: "type", text: entry.eventType || entry.summary })];
    if (entry.streamId && entry.positionStreamId && entry.streamId !== entry.positionStreamId) {
      cells.push(el("div", { class: "linkto" }, [
        "link to ",
        el("a", { href: streamHash(entry.streamId), text: entry.eventNumber + "@" + entry.streamId }),
      ]));
    } else if (entry.summary === "$>" && entry.title) {
      var at = entry.title.indexOf("@");
      cells.push(el("div", { class: "linkto" }, [
        "unresolved link to ",
        el("a", { href: streamHash(entry.title.slice(at + 1)), text: entry.title }),
      ]));
    }
    if (entry.data !== undefined) cells.push(preview(entry));
    var details = el("details", open ? { open: "" } : null, [el("summary", { text: "Details" })]);
    details.appendChild(el("div", { class: "label", text: "Data" }));
    details.appendChild(body(entry.data, entry.isJson));
    if (entry.metaData) {
      details.appendChild(el("div", { class: "label", text: "Metadata" }));
      details.appendChild(body(entry.metaData, true));
    }
    details.appendChild(el("div", { class: "label", text: "Event id" }));
    details.appendChild(el("pre", { text: entry.eventId || "" }));
    cells.push(details);
    return el("tr", { class: fresh ? "new" : "" }, [
      el("td", { class: "num", text: String(number) }),
      el("td", null, cells),
      el("td", { class: "time", text: time(entry.updated) }),
    ]);
  }

  function notice(text, bad) { return el("div", { class: bad ? "notice bad" : "notice", text: text }); }

  function loginForm(reason, onDone) {
    var user = el("input", { placeholder: "login", value: "admin", autocomplete: "username" });
    var pass = el("input", { placeholder: "password", type: "password", autocomplete: "current-password" });
    var message = el("div", { class: "muted" });
    var form = el("form", { class: "row", onsubmit: function (e) {
      e.preventDefault();
      var creds = { user: user.value, password: pass.value };
      api("/users/" + encodeURIComponent(creds.user), { credentials: creds }).then(function () {
        setCredentials(creds); onDone();
      }, function (error) {
        message.textContent = error.status === 401 ? "Wrong login or password" : "Sign-in failed: " + error.message;
      });
    } }, [user, pass, el("button", { type: "submit", text: "Sign in" })]);
    return el("div", { class: "card" }, [el("h2", { text: "Sign in" }), el("p", { class: "muted", text: reason }), form, message]);
  }

  function stop() {
    view++;
    if (poll) poll.abort();
    poll = null;
  }

  function openBox() {
    var input = el("input", { placeholder: "stream name, e.g. adventure", id: "open-stream", style: "min-width:320px" });
    var form = el("form", { class: "row", onsubmit: function (e) {
      e.preventDefault();
      if (input.value.trim() !== "") location.hash = streamHash(input.value.trim());
    } }, [input, el("button", { type: "submit", text: "Open stream" })]);
    return el("div", { class: "card" }, [el("h2", { text: "Browse a stream" }), form]);
  }

  // #/streams: the streams written recently, newest first, read from $all (admins only).
  function streamsPage() {
    var mine = view;
    app.textContent = "";
    app.appendChild(el("div", { class: "head" }, [el("h1", { text: "Streams" })]));
    app.appendChild(openBox());
    var card = el("div", { class: "card" }, [el("h2", { text: "Recently changed streams" })]);
    app.appendChild(card);
    var showSystem = false;
    var toggle = el("label", { class: "muted" }, [
      el("input", { type: "checkbox", style: "min-width:0;margin-right:6px", onchange: function (e) {
        showSystem = e.target.checked; draw();
      } }),
      "show system streams",
    ]);
    var table = el("table");
    card.appendChild(toggle);
    card.appendChild(table);
    var streams = new Map();
    function draw() {
      table.textContent = "";
      table.appendChild(el("tr", null, [el("th", { text: "Stream" }), el("th", { text: "Last event" }), el("th", { text: "Updated" })]));
      var rows = Array.from(streams.values()).filter(function (s) {
        return showSystem || s.name.charAt(0) !== "$";
      }).sort(function (a, b) { return b.order - a.order; });
      if (rows.length === 0) {
        table.appendChild(el("tr", null, [el("td", { colspan: "3", class: "empty", text: "No streams yet. Write an event and it shows up here." })]));
      }
      rows.forEach(function (s) {
        table.appendChild(el("tr", null, [
          el("td", null, [el("a", { href: streamHash(s.name), class: s.name.charAt(0) === "$" ? "system" : "", text: s.name })]),
          el("td", { text: s.type }),
          el("td", { class: "time", text: time(s.updated) }),
        ]));
      });
    }
    var order = 0;
    function absorb(entries) {
      // entries come newest first; the oldest is absorbed first so the newest wins
      for (var i = entries.length - 1; i >= 0; i--) {
        var e = entries[i];
        var name = e.positionStreamId || e.streamId;
        if (!name) continue;
        streams.set(name, { name: name, type: e.eventType || e.summary, updated: e.updated, order: order++ });
      }
    }
    function link(feed, relation) {
      var found = (feed.links || []).filter(function (l) { return l.relation === relation; })[0];
      return found ? new URL(found.uri).pathname : null;
    }
    function follow(path) {
      if (mine !== view) return;
      poll = new AbortController();
      api(path + "?embed=rich", { longPoll: 25, signal: poll.signal }).then(function (feed) {
        if (mine !== view) return;
        absorb(feed.entries || []);
        draw();
        follow(link(feed, "previous") || path);
      }, function (error) {
        if (mine !== view || error.name === "AbortError") return;
        setTimeout(function () { follow(path); }, 2000);
      });
    }
    if (!credentials()) {
      card.replaceWith(loginForm("Listing streams reads $all, which needs an admin account (admin/changeit on a fresh memstore). Single streams open without signing in wherever their ACL lets anyone read.", route));
      return;
    }
    api("/streams/%24all/head/backward/100?embed=rich").then(function (feed) {
      if (mine !== view) return;
      absorb(feed.entries || []);
      draw();
      follow(link(feed, "previous"));
    }, function (error) {
      if (mine !== view) return;
      if (error.status === 401) {
        card.replaceWith(loginForm("This account may not read $all. Sign in as an admin to list streams.", route));
      } else {
        card.appendChild(notice("Could not read $all: " + error.message, true));
      }
    });
  }

  // #/streams/{name}[/{from}]: events newest first, live at the head.
  function streamPage(name, from) {
    var mine = view;
    app.textContent = "";
    var status = el("span", { class: "pill off", text: "loading" });
    app.appendChild(el("div", { class: "head" }, [
      el("span", { class: "crumbs" }, [el("a", { href: "#/streams", text: "Streams" }), " /"]),
      el("h1", { text: name }),
      status,
      name.slice(0, 2) === "$$" ? null : el("a", { href: streamHash("$$" + name), text: "metadata" }),
    ]));
    var card = el("div", { class: "card" });
    app.appendChild(card);
    var table = el("table");
    var pager = el("div", { class: "pager" });
    var head = from === null;
    var last = -1;
    function header() {
      table.textContent = "";
      table.appendChild(el("tr", null, [el("th", { text: "#" }), el("th", { text: "Event" }), el("th", { text: "Created" })]));
    }
    function show(feed) {
      card.textContent = "";
      header();
      var entries = feed.entries || [];
      if (entries.length === 0) {
        table.appendChild(el("tr", null, [el("td", { colspan: "3", class: "empty", text: "No events on this page." })]));
      }
      entries.forEach(function (e, i) { table.appendChild(eventRow(e, false, i === 0)); });
      if (entries.length > 0) last = Math.max(last, entries[0].positionEventNumber);
      card.appendChild(table);
      pager.textContent = "";
      var next = (feed.links || []).filter(function (l) { return l.relation === "next"; })[0];
      var newer = el("button", { class: "ghost", text: "Newer", onclick: function () {
        location.hash = streamHash(name) + "/" + (from + PAGE);
      } });
      newer.disabled = head;
      var older = el("button", { class: "ghost", text: "Older", onclick: function () {
        location.hash = streamHash(name) + "/" + new URL(next.uri).pathname.split("/").slice(-3)[0];
      } });
      older.disabled = !next;
      pager.appendChild(el("a", { href: streamHash(name), class: "muted", style: "margin-right:auto;align-self:center", text: head ? "" : "back to the newest events" }));
      pager.appendChild(newer);
      pager.appendChild(older);
      card.appendChild(pager);
    }
    function live() {
      if (mine !== view) return;
      status.className = "pill live";
      status.textContent = "live";
      poll = new AbortController();
      api(streamPath(name) + "/" + (last + 1) + "/forward/" + PAGE + "?embed=body", { longPoll: 25, signal: poll.signal })
        .then(function (feed) {
          if (mine !== view) return;
          var entries = feed.entries || [];
          if (entries.length > 0 && card.querySelector("table") === null) show({ entries: [], links: [] });
          var rows = table.querySelectorAll("tr");
          if (entries.length > 0 && rows.length === 2 && rows[1].querySelector(".empty")) rows[1].remove();
          for (var i = entries.length - 1; i >= 0; i--) {
            var e = entries[i];
            if (e.positionEventNumber <= last) continue;
            last = e.positionEventNumber;
            var first = table.querySelectorAll("tr")[1];
            var row = eventRow(e, true);
            if (first) table.insertBefore(row, first); else table.appendChild(row);
          }
          live();
        }, function (error) {
          if (mine !== view || error.name === "AbortError") return;
          if (error.status === 404) { live404(); return; }
          if (error.status === 410 || error.status === 401) { failed(error); return; }
          status.className = "pill off";
          status.textContent = "reconnecting";
          status.title = String(error && error.message);
          setTimeout(live, 2000);
        });
    }
    function live404() {
      // A stream that does not exist yet: the long-poll waits for its first event.
      setTimeout(live, 500);
    }
    function failed(error) {
      if (mine !== view) return;
      status.className = "pill off";
      if (error.status === 404) {
        status.textContent = "no events yet";
        card.textContent = "";
        card.appendChild(el("div", { class: "empty", text: "The stream \u201c" + name + "\u201d has no events yet. This page shows them as they are written." }));
        last = -1;
        if (head) live();
      } else if (error.status === 410) {
        status.textContent = "deleted";
        card.textContent = "";
        card.appendChild(notice("The stream \u201c" + name + "\u201d was deleted.", true));
      } else if (error.status === 401) {
        status.textContent = "access denied";
        card.replaceWith(loginForm("The stream\u2019s ACL does not let " + (credentials() ? credentials().user : "anonymous users") + " read it.", route));
      } else {
        status.textContent = "error";
        card.textContent = "";
        card.appendChild(notice("Could not read the stream: " + error.message, true));
      }
    }
    var path = head ? streamPath(name) + "/head/backward/" + PAGE : streamPath(name) + "/" + from + "/backward/" + PAGE;
    api(path + "?embed=body").then(function (feed) {
      if (mine !== view) return;
      show(feed);
      if (head) live(); else { status.className = "pill off"; status.textContent = "page"; }
    }, failed);
  }

  function route() {
    stop();
    drawSession();
    var hash = location.hash.replace(/^#/, "") || "/streams";
    var parts = hash.split("/").filter(function (p) { return p !== ""; });
    if (parts[0] !== "streams") { location.hash = "#/streams"; return; }
    if (parts.length === 1) { streamsPage(); return; }
    var name;
    try { name = decodeURIComponent(parts[1]); } catch (e) { name = parts[1]; }
    var from = parts.length > 2 && /^\d+$/.test(parts[2]) ? Number(parts[2]) : null;
    streamPage(name, from);
  }

  window.addEventListener("hashchange", route);
  route();
})();
`;
