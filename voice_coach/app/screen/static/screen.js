// The companion page: one event stream of whole snapshots, a local countdown, buttons as POSTs.
"use strict";
(() => {
  const token = document.body.dataset.token;
  const $ = (id) => document.getElementById(id);
  const LABELS = { listening: "Listening", thinking: "Thinking", speaking: "Speaking", paused: "Paused" };
  const PHASES = {
    checkin: "Check-in", briefing: "Briefing", handover: "Getting ready", gap: "Get ready",
    speaking: "Speaking turn", times_up: "Time's up", reflection: "Reflection", swap: "Swap",
    closing: "Closing", paused: "Paused", time_out: "Time-out", confirm_stop: "End the exercise?",
    resuming: "Resuming", finished: "Exercise finished", stopped: "Exercise ended",
  };
  const CUES = { halfway: "Halfway", one_minute: "One minute left" };
  const KINDS = { starter: "Conversation starter", tip: "Tip" };
  const RING = 2 * Math.PI * 45;
  const state = { snap: null, rem: null, running: false, at: 0, total: 0, renders: [], source: null };

  function remaining() {
    if (state.rem === null) return null;
    const gone = state.running ? (performance.now() - state.at) / 1000 : 0;
    return Math.max(0, state.rem - gone);
  }

  function clockText(seconds) {
    const whole = Math.ceil(seconds - 1e-6);
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  }

  function who(ex) {
    if (!ex.speaker) return "";
    if (ex.phase === "speaking" || ex.was === "speaking") return `${ex.speaker} speaks · ${ex.listener} listens`;
    if (ex.phase === "reflection" || ex.phase === "times_up" || ex.was === "reflection") return `${ex.listener} says back what they heard`;
    return `Next: ${ex.speaker} speaks, ${ex.listener} listens`;
  }

  function show(el, on) { el.hidden = !on; }

  function renderExercise(ex) {
    const active = ex && !["finished", "stopped"].includes(ex.phase);
    show($("exercise"), !!ex);
    const pausedKind = ex && (ex.phase === "paused" || ex.phase === "time_out") ? ex.phase : null;
    show($("paused"), !!pausedKind);
    show($("confirm"), !!ex && ex.phase === "confirm_stop");
    document.body.dataset.mode = !active ? "idle" : pausedKind || ex.phase === "confirm_stop" ? "paused" : "running";
    if (!ex) { state.rem = null; return; }
    const phase = ex.was || ex.phase;  // while paused or asking to stop: the phase set aside
    $("phase").textContent = phase === "finished" && !ex.completed ? PHASES.stopped : PHASES[phase] || phase;
    $("who").textContent = active ? who(ex) : "";
    const cue = active && ex.cue && (ex.phase === "speaking" || ex.was === "speaking") ? CUES[ex.cue] : "";
    $("cue").textContent = cue;
    show($("cue"), !!cue);
    if (pausedKind) {
      $("paused-title").textContent = pausedKind === "time_out" ? "Time-out" : "Paused";
      $("paused-hint").textContent = pausedKind === "time_out"
        ? "Take a breath. Say “coach, resume” or press Resume when you're ready."
        : "Say “coach, resume” or press Resume.";
    }
    state.rem = ex.remaining_s;
    state.running = !!ex.running;
    state.at = performance.now();
    const inReflection = ex.phase === "reflection" || ex.was === "reflection";
    state.total = (inReflection ? ex.reflect_s : ex.duration_s) || ex.remaining_s || 1;
    document.body.dataset.phase = ex.phase;
  }

  function renderCaptions(captions) {
    const box = $("captions");
    const lines = captions.flatMap((c) => c.sentences.map((s) => ({ s, kind: c.kind })));
    box.replaceChildren(...lines.slice(-3).map((line, i, all) => {
      const p = document.createElement("p");
      p.textContent = line.s;
      p.className = i === all.length - 1 ? "caption now" : "caption";
      return p;
    }));
  }

  function render(snap) {
    state.snap = snap;
    document.body.dataset.activity = snap.activity;
    $("activity").textContent = LABELS[snap.activity] || snap.activity;
    renderExercise(snap.exercise);
    const card = snap.card;
    const exerciseOn = snap.exercise && !["finished", "stopped"].includes(snap.exercise.phase);
    show($("card"), !exerciseOn);
    if (card) {
      $("card-kind").textContent = KINDS[card.kind] || "";
      $("card-text").textContent = card.text;
      $("card-more").textContent = card.more || "";
      show($("card-more"), !!card.more);
    }
    renderCaptions(snap.captions);
    $("notice").textContent = snap.notice || "";
    show($("notice"), !!snap.notice);
    tick();
    requestAnimationFrame(() => state.renders.push({ seq: snap.seq, at: performance.timeOrigin + performance.now(),
      caption: (snap.captions.at(-1) || { sentences: [""] }).sentences.at(-1) }));
    if (state.renders.length > 500) state.renders.splice(0, 250);
  }

  function tick() {
    const left = remaining();
    if (left !== null) {
      $("countdown").textContent = clockText(left);
      const part = state.total > 0 ? Math.min(1, left / state.total) : 0;
      $("ring").style.strokeDashoffset = String(RING * (1 - part));
    }
  }

  function loop() { tick(); requestAnimationFrame(loop); }

  function connect() {
    const source = new EventSource(`/events?t=${encodeURIComponent(token)}`);
    state.source = source;
    source.onopen = () => { state.failures = 0; show($("link"), false); };
    source.onmessage = (event) => render(JSON.parse(event.data));
    source.onerror = () => {
      state.failures = (state.failures || 0) + 1;
      $("link").textContent = state.failures < 10 ? "Connection lost — trying again…"
        : "Still trying. If the coach was started again with a new link, open the link it printed.";
      show($("link"), true);
      document.body.dataset.activity = "offline";
      $("activity").textContent = "Offline";
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 1000);  // the browser gave up: we don't
    };
  }

  async function press(command, button) {
    button.disabled = true;
    try {
      const reply = await fetch("/command", {
        method: "POST", headers: { "Content-Type": "application/json", "X-Token": token },
        body: JSON.stringify({ command }),
      });
      if (!reply.ok) throw new Error(await reply.text());
    } catch (err) {
      $("notice").textContent = `That button did not reach the coach (${err.message || err}).`;
      show($("notice"), true);
    } finally {
      button.disabled = false;
    }
  }

  document.querySelectorAll("button[data-command]").forEach((button) =>
    button.addEventListener("click", () => press(button.dataset.command, button)));
  $("ring").style.strokeDasharray = String(RING);
  window.voiceCoach = { remaining, snapshot: () => state.snap, renders: () => state.renders, press };
  connect();
  requestAnimationFrame(loop);
})();
