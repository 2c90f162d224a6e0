() => {
  // survqa's buttons inside the chat (copy, export, open the source, search everywhere),
  // the scroll to the newest question, and the reader's scroll to its highlight.
  if (window.__survqa) return;
  window.__survqa = true;
  const pending = {};
  let serial = 0;
  let lastTurn = 0;
  let lastReader = -1;

  // The value a hidden server button's js= hook reads (see webui.py): one use each.
  window.sqTake = (name) => {
    const value = pending[name] || "";
    pending[name] = "";
    return value;
  };

  const own = (box, cls) => {
    if (!box) return "";
    const el = box.querySelector(":scope > ." + cls) || box.querySelector("." + cls);
    return el ? el.textContent : "";
  };

  async function copy(text) {
    window.sqLastCopied = text;
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (e) {
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      let ok = false;
      try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
      area.remove();
      return ok;
    }
  }

  function done(button) {
    button.classList.add("sq-done");
    setTimeout(() => button.classList.remove("sq-done"), 1600);
  }

  function download(name, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  function send(name, value, buttonId) {
    pending[name] = value;
    const button = document.getElementById(buttonId);
    if (button) button.click();
  }

  const turnOf = (el) => {
    const match = el && /sq-turn-(\d+)/.exec(el.className);
    return match ? Number(match[1]) : 0;
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest ? event.target.closest("button.sq-btn") : null;
    if (!button) return;
    event.preventDefault();
    const box = button.closest(".sq-cited");
    const reply = button.closest(".sq-reply");
    const list = button.classList;
    const stem = own(reply, "sq-fname") || "survqa";
    if (list.contains("sq-copy")) {
      copy(own(box, "sq-quote")).then(() => done(button));
    } else if (list.contains("sq-copy-reply")) {
      copy(own(reply, "sq-plain")).then(() => done(button));
    } else if (list.contains("sq-export-md")) {
      download(stem + ".md", own(reply, "sq-markdown"), "text/markdown;charset=utf-8");
    } else if (list.contains("sq-export-json")) {
      download(stem + ".json", own(reply, "sq-json"), "application/json;charset=utf-8");
    } else if (list.contains("sq-open")) {
      serial += 1;
      send("open", serial + "\n" + own(box, "sq-ref"), "sq-open-go");
    } else if (list.contains("sq-everywhere")) {
      send("everywhere", String(turnOf(reply)), "sq-everywhere-go");
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && document.querySelector("#sq-reader .sq-reader-doc")) {
      const close = document.getElementById("sq-reader-close");
      if (close) close.click();
    }
  });

  // The newest question at the top of the view, its best excerpt right below it.
  function showNewest() {
    const chat = document.getElementById("sq-chat");
    if (!chat) return;
    let newest = null;
    let number = 0;
    chat.querySelectorAll(".sq-qtext").forEach((el) => {
      if (turnOf(el) > number) { number = turnOf(el); newest = el; }
    });
    if (number === 0) { lastTurn = 0; return; }
    if (number <= lastTurn || !chat.querySelector(".sq-reply.sq-turn-" + number)) return;
    lastTurn = number;
    const row = newest.closest(".message-row") || newest;
    row.scrollIntoView({ block: "start", inline: "nearest", behavior: "instant" });
  }

  // A newly opened document scrolled to its highlighted passage.
  function showHighlight() {
    const doc = document.querySelector("#sq-reader .sq-reader-doc");
    if (!doc) { lastReader = -1; return; }
    const match = /sq-reader-(\d+)/.exec(doc.className);
    const number = match ? Number(match[1]) : 0;
    if (number === lastReader) return;
    lastReader = number;
    const hit = doc.querySelector(".sq-hit") || doc.querySelector(".sq-excerpt");
    const body = document.getElementById("sq-reader-body");
    if (hit) hit.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
    else if (body) body.scrollTop = 0;
  }

  let scheduled = false;
  new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      showNewest();
      showHighlight();
    });
  }).observe(document.body, { childList: true, subtree: true });
}
