// A test page around Pipecat's real JS client (@pipecat-ai/client-js) with its
// websocket and small-webrtc transports. tests/serving/pipecat_scenario.py drives it:
// window.pc.run(kind, url) connects; window.pc.say(url) plays a WAV into the fake
// microphone (a MediaStream the page makes; getUserMedia returns it). Every RTVI
// message the transport hands to the client is recorded with its arrival time, and
// every chunk of bot audio received with its RMS level, so the test can check the
// events and when the bot's audio went silent.
import { PipecatClient, RTVIMessage } from "@pipecat-ai/client-js";
import { WebSocketTransport, WavMediaManager } from "@pipecat-ai/websocket-transport";
import { SmallWebRTCTransport, WavMediaManager as RtcWavMediaManager } from "@pipecat-ai/small-webrtc-transport";

const pc = (window.pc = { messages: [], audio: [], errors: [], llmText: [], state: "idle", botReady: null });
const now = () => performance.now();

// The fake microphone: a MediaStream fed by an AudioContext (48 kHz, as a browser mic).
const micCtx = new AudioContext({ sampleRate: 48000 });
const micDest = micCtx.createMediaStreamDestination();
navigator.mediaDevices.getUserMedia = async () => micDest.stream;
// A real microphone is never digital zero: a noise floor at about -66 dBFS keeps a WebRTC
// sender sending (Chrome stops sending RTP for a WebAudio track of pure zeros).
const floor = micCtx.createBuffer(1, 48000, 48000);
const noise = floor.getChannelData(0);
for (let i = 0; i < noise.length; i++) noise[i] = (Math.random() * 2 - 1) * 0.0005;
const hiss = micCtx.createBufferSource();
hiss.buffer = floor;
hiss.loop = true;
hiss.connect(micDest);
hiss.start();
pc.say = async (url) => {
  await micCtx.resume();
  const data = await (await fetch(url)).arrayBuffer();
  const buffer = await micCtx.decodeAudioData(data);
  const src = micCtx.createBufferSource();
  src.buffer = buffer;
  src.connect(micDest);
  src.start();
  pc.messages.push({ t: now(), local: "say", url, duration: buffer.duration });
  return buffer.duration;
};

function rms(int16) {
  let sum = 0;
  for (let i = 0; i < int16.length; i++) sum += int16[i] * int16[i];
  return int16.length ? Math.sqrt(sum / int16.length) / 32768 : 0;
}

// Bot audio as received (WebSocket transport): level and arrival of every chunk.
class MeasuredWavMediaManager extends WavMediaManager {
  bufferBotAudio(data, id) {
    const samples = data instanceof Int16Array ? data : new Int16Array(data);
    pc.audio.push({ t: now(), rms: rms(samples), n: samples.length });
    return super.bufferBotAudio(data, id);
  }
}

// Bot audio as played (WebRTC track): the level of the remote track every 10 ms.
function measureTrack(track) {
  // Chrome feeds a remote WebRTC track to Web Audio only while a media element plays it
  const sink = new Audio();
  sink.muted = true;
  sink.srcObject = new MediaStream([track]);
  void sink.play();
  const ctx = new AudioContext();
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  setInterval(() => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (const v of buf) sum += v * v;
    pc.audio.push({ t: now(), rms: Math.sqrt(sum / buf.length), n: buf.length });
  }, 10);
}

// Record every RTVI message the transport delivers (also those client-js ignores).
function recorded(Base) {
  return class extends Base {
    initialize(options, handler) {
      super.initialize(options, (msg) => {
        pc.messages.push({ t: now(), msg });
        handler(msg);
      });
    }
  };
}

pc.run = async (kind, url) => {
  let transport;
  if (kind === "websocket") {
    const Recorded = recorded(WebSocketTransport);
    transport = new Recorded({ mediaManager: new MeasuredWavMediaManager(512, 16000), recorderSampleRate: 16000 });
  } else {
    const Recorded = recorded(SmallWebRTCTransport);
    transport = new Recorded({ mediaManager: new RtcWavMediaManager(512, 16000) });
  }
  const client = (pc.client = new PipecatClient({
    transport,
    enableMic: true,
    enableCam: false,
    callbacks: {
      onError: (m) => pc.errors.push({ t: now(), m }),
      onMessageError: (m) => pc.messages.push({ t: now(), local: "message-error", m }),
      // client-js's own callback for the server's bot-llm-text events
      onBotLlmText: (data) => pc.llmText.push({ t: now(), text: data.text }),
      onTrackStarted: (track, participant) => {
        // SmallWebRTC reports the bot's track without a participant
        if (track.kind === "audio" && !(participant && participant.local)) measureTrack(track);
      },
    },
  }));
  pc.state = "connecting";
  try {
    const params = kind === "websocket" ? { wsUrl: url } : { webrtcUrl: url };
    pc.botReady = await client.connect(params);
    pc.state = "ready";
  } catch (e) {
    pc.state = "failed";
    pc.errors.push({ t: now(), m: String(e) });
  }
};

// Raw RTVI sends, for the bad-message checks.
pc.sendRaw = (obj) => pc.client.transport.sendMessage(obj);
pc.sendText = (text) => pc.client.sendText(text);
pc.clientMessage = (t, d) => pc.client.sendClientMessage(t, d);
pc.RTVIMessage = RTVIMessage;
