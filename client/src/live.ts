import type { ServerMessage } from '../../server/contract/live';
import { streamOf } from '../../server/contract/vocabulary';

/**
 * The live channel: one socket, topics kept across reconnects, and resume from the last
 * event id seen, so that nothing is missed while the connection was down. Event ids are
 * counted per audience (public topics, one's own topic, the moderators' queue), so the
 * last id is kept per audience and each resumes on its own.
 */
type EventFrame = Extract<ServerMessage, { type: 'event' }>;
/**
 * An event as views hear it: an event frame of the contract, or `resync` for a topic whose
 * events were missed (the view refetches). Views read `data` by the event's kind.
 */
export type LiveEvent = Pick<EventFrame, 'id' | 'topic'> & { event: EventFrame['event'] | 'resync'; data: Record<string, any> };

type Handler = (event: LiveEvent) => void;

export class Live {
  #socket: WebSocket | undefined;
  #topics = new Map<string, Set<Handler>>();
  #lastId = new Map<string, string>();
  #retry = 500;
  #closed = false;
  /** The member's role or suspension changed: their account is read again. */
  onAccess: () => void = () => {};

  constructor() {
    this.#open();
  }

  #open() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/api/live`);
    this.#socket = socket;
    socket.onopen = () => {
      this.#retry = 500;
      const byStream = new Map<string, string[]>();
      for (const topic of this.#topics.keys()) byStream.set(streamOf(topic), [...(byStream.get(streamOf(topic)) ?? []), topic]);
      for (const [stream, topics] of byStream) {
        const since = this.#lastId.get(stream);
        this.#send({ type: 'subscribe', topics, ...(since ? { since } : {}) });
      }
    };
    socket.onmessage = (message) => {
      const frame = JSON.parse(String(message.data));
      if (frame.type === 'event') {
        this.#lastId.set(streamOf(frame.topic), frame.id);
        for (const handler of this.#topics.get(frame.topic) ?? []) handler(frame);
      } else if (frame.type === 'resync') {
        // Events were missed: each view of the topic hears it as an event of its own, and refetches.
        for (const handler of this.#topics.get(frame.topic) ?? []) handler({ id: '', topic: frame.topic, event: 'resync', data: {} });
      }
      else if (frame.type === 'access') this.onAccess();
    };
    socket.onclose = () => {
      if (this.#closed) return;
      setTimeout(() => this.#open(), this.#retry);
      this.#retry = Math.min(this.#retry * 2, 15_000);
    };
  }

  #send(frame: unknown) {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(frame));
  }

  subscribe(topic: string, handler: Handler): () => void {
    let handlers = this.#topics.get(topic);
    if (!handlers) {
      this.#topics.set(topic, (handlers = new Set()));
      this.#send({ type: 'subscribe', topics: [topic] });
    }
    handlers.add(handler);
    return () => {
      handlers!.delete(handler);
      if (handlers!.size === 0) {
        this.#topics.delete(topic);
        this.#send({ type: 'unsubscribe', topics: [topic] });
      }
    };
  }

  close() {
    this.#closed = true;
    this.#socket?.close();
  }
}

export const live = new Live();
