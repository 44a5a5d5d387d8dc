// voicegraph web client: microphone in, bot audio out, transcript over the "events" data channel.
// State for people and for tests lives in window.voicegraph (read it from the console or over CDP).
"use strict";

const vg = (window.voicegraph = {
  state: "idle", // idle | connecting | connected | ended | failed
  sessionId: null,
  resumeToken: null, // the answer's resume_token: a dropped connection comes back with it
  resumes: 0, // reconnections made with it (at most MAX_RESUMES a call)
  callAction: null, // the end_call / transfer_call event that ended the call, if one did
  error: null, // {code, message} of the last error
  // both sides of the conversation: {role: "user" | "bot", text, final, interrupted}; the user's
  // words as recognized (partial, then final), the bot's as their audio plays (then the final
  // text of the reply, interrupted: true when a barge-in cut it: only the words heard)
  transcript: [],
  events: [], // every message from the server, in order
  audio: { bytesReceived: 0, packetsReceived: 0, totalAudioEnergy: 0, totalSamplesReceived: 0, maxLevel: 0, playing: false },
  marks: {}, // first time (ms since page load) of: call, connected, audio, and each event type
  start,
  hangup,
  say,
});

const $ = (id) => document.getElementById(id);
let pc = null;
let channel = null;
let mic = null;
let statsTimer = null;
let settings = null; // {config, query} of the call, for reconnecting
const MAX_RESUMES = 3;

function mark(name) {
  if (!(name in vg.marks)) vg.marks[name] = Math.round(performance.now());
}

function setState(state, text) {
  vg.state = state;
  $("status").textContent = text;
  const live = state === "connecting" || state === "connected";
  $("call").disabled = live;
  $("hangup").disabled = !live;
  $("text").disabled = $("send").disabled = state !== "connected";
}

function addLine(role, text) {
  const li = document.createElement("li");
  li.className = role;
  li.textContent = text; // never innerHTML: the text comes from speech recognition and the agent
  $("log").appendChild(li);
  li.scrollIntoView({ block: "end" });
  return li;
}

const writing = { user: null, bot: null }; // the entry of each side still being written: {entry, li}

function show(line) {
  const { entry, li } = line;
  li.textContent = entry.text;
  li.classList.toggle("partial", !entry.final);
  li.classList.toggle("interrupted", entry.interrupted);
  li.scrollIntoView({ block: "end" });
}

function write(role, text, { append = false, final = false, interrupted = false } = {}) {
  let line = writing[role];
  if (!line) {
    const entry = { role, text: "", final: false, interrupted: false };
    vg.transcript.push(entry);
    line = writing[role] = { entry, li: addLine(role, "") };
  }
  const entry = line.entry;
  entry.text = append ? entry.text + text : text;
  entry.final = final;
  entry.interrupted = interrupted;
  show(line);
  if (final) writing[role] = null;
}

function onTranscript(msg) {
  const final = msg.final !== false;
  if (final && writing.bot) writing.bot = null; // a graph without TTS sends no final bot text
  write("user", msg.text, { final });
}

function onBotText(msg) {
  if (msg.final) write("bot", msg.text, { final: true, interrupted: !!msg.interrupted });
  else write("bot", msg.text, { append: true });
}

function fail(code, message) {
  vg.error = { code, message };
  addLine("error", `${code}: ${message}`);
  setState("failed", `Error: ${message}`);
  cleanup();
}

function onMessage(raw) {
  let msg;
  try {
    msg = JSON.parse(raw);
  } catch {
    return;
  }
  vg.events.push(msg);
  mark(msg.type);
  if (msg.type === "session") vg.sessionId = msg.session_id;
  else if (msg.type === "transcript") onTranscript(msg);
  else if (msg.type === "bot_text") onBotText(msg);
  else if (msg.type === "error") {
    vg.error = { code: msg.code, message: msg.message };
    addLine("error", `${msg.code}: ${msg.message}`);
  } else if (msg.type === "end_call" || msg.type === "transfer_call") {
    // the goodbye has played on the server; let the last of it leave our jitter buffer
    const what = msg.type === "end_call" ? "The agent ended the call" : `Transferring you to ${msg.target}`;
    addLine("system", msg.reason ? `${what} (${msg.reason}).` : `${what}.`);
    vg.callAction = msg;
    setTimeout(() => hangup(false), 300);
  }
}

function waitForIce(conn, ms) {
  if (conn.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (conn.iceGatheringState === "complete") resolve();
    };
    conn.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, ms); // send what we have: host candidates come first
  });
}

async function pollStats() {
  if (!pc) return;
  const report = await pc.getStats();
  report.forEach((s) => {
    if (s.type === "inbound-rtp" && s.kind === "audio") {
      const a = vg.audio;
      a.bytesReceived = s.bytesReceived || 0;
      a.packetsReceived = s.packetsReceived || 0;
      a.totalAudioEnergy = s.totalAudioEnergy || 0;
      a.totalSamplesReceived = s.totalSamplesReceived || 0;
      const level = s.audioLevel || 0;
      a.maxLevel = Math.max(a.maxLevel, level);
      if (a.totalAudioEnergy > 0.001) mark("audio");
      $("level").style.width = `${Math.min(100, Math.round(level * 140))}%`;
    }
  });
}

async function start() {
  if (vg.state === "connecting" || vg.state === "connected") return;
  vg.error = null;
  vg.resumeToken = null;
  vg.resumes = 0;
  writing.user = writing.bot = null;
  mark("call");
  setState("connecting", "Connecting…");
  try {
    // credentials given to the page (?token=...) go with every request it makes
    const query = location.search;
    const configResp = await fetch("config" + query);
    const config = await configResp.json();
    if (!configResp.ok) {
      const err = config.error || {};
      fail(err.code || "http_" + configResp.status, err.message || configResp.statusText);
      return;
    }
    mic = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    settings = { config, query };
    await openPeer("");
  } catch (e) {
    fail("client_error", String((e && e.message) || e));
  }
}

// A peer connection for the call: a new session, or (resume = the token) the same session again.
async function openPeer(resume) {
  const { config, query } = settings;
  const conn = (pc = new RTCPeerConnection({ iceServers: config.iceServers }));
  channel = conn.createDataChannel("events", { ordered: true });
  channel.onmessage = (e) => onMessage(e.data);
  mic.getAudioTracks().forEach((t) => conn.addTrack(t, mic));
  conn.ontrack = (e) => {
    const audio = $("bot");
    audio.srcObject = e.streams[0] || new MediaStream([e.track]);
    audio.play().catch(() => {});
  };
  conn.onconnectionstatechange = () => onPeerState(conn);
  await conn.setLocalDescription(await conn.createOffer());
  await waitForIce(conn, 2000);
  const offer = { type: "offer", sdp: conn.localDescription.sdp };
  if (resume) offer.resume = resume;
  const resp = await fetch(config.offerPath + query, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(offer),
  });
  const body = await resp.json();
  if (!resp.ok) {
    const err = body.error || {};
    fail(err.code || "http_" + resp.status, err.message || resp.statusText);
    return;
  }
  vg.sessionId = body.session_id;
  vg.resumeToken = body.resume_token || null;
  await conn.setRemoteDescription({ type: "answer", sdp: body.sdp });
  if (!statsTimer) statsTimer = setInterval(pollStats, 200);
}

function onPeerState(conn) {
  if (conn !== pc) return; // a peer connection already replaced
  const s = conn.connectionState;
  if (s === "connected") {
    mark("connected");
    setState("connected", "Connected: speak to the agent.");
  } else if (s === "failed" || s === "disconnected") {
    // "disconnected" may heal by itself: give it a second before replacing the connection
    const wait = s === "disconnected" ? 1000 : 0;
    setTimeout(() => {
      if (conn === pc && ["failed", "disconnected"].includes(conn.connectionState)) reconnect();
    }, wait);
  } else if (s === "closed") hangup(false);
}

function reconnect() {
  if (!vg.resumeToken || vg.resumes >= MAX_RESUMES) {
    fail("connection_failed", "the connection failed");
    return;
  }
  vg.resumes += 1;
  setState("connecting", "Reconnecting…");
  const old = pc;
  pc = null;
  old.close();
  openPeer(vg.resumeToken).catch((e) => fail("connection_failed", String((e && e.message) || e)));
}

function say(text) {
  if (channel && channel.readyState === "open" && text.trim()) {
    channel.send(JSON.stringify({ type: "text", text: text.trim() }));
  }
}

function cleanup() {
  if (statsTimer) clearInterval(statsTimer);
  statsTimer = null;
  if (pc) pc.close();
  pc = null;
  channel = null;
  if (mic) mic.getTracks().forEach((t) => t.stop());
  mic = null;
}

function hangup(notify = true) {
  if (vg.state !== "connecting" && vg.state !== "connected") return;
  if (notify && channel && channel.readyState === "open") channel.send(JSON.stringify({ type: "hangup" }));
  cleanup();
  setState("ended", "Call ended.");
}

$("bot").addEventListener("playing", () => (vg.audio.playing = true));
$("call").addEventListener("click", () => start());
$("hangup").addEventListener("click", () => hangup());
$("say").addEventListener("submit", (e) => {
  e.preventDefault();
  say($("text").value);
  $("text").value = "";
});
