/**
 * One client socket: frames its bytes into messages and runs them strictly in order (the next command starts
 * once the previous reply has been written), while other connections run concurrently.
 */
import type { Socket } from 'node:net';
import { MongoServerError } from '../errors/command_error.js';
import type { Document } from './bson_codec.js';
import { compressMessage, decompressMessage, isUncompressedCommand, type CompressorName } from './compression.js';
import { OpCode, OpMsgFlag, OpReplyFlag } from './constants.js';
import { MessageFramer } from './message_framer.js';
import { opMsgReplyPrefix, parseOpMsg, readOpMsgFlags } from './op_msg.js';
import { LEGACY_OP_QUERY_CODE, LEGACY_OP_QUERY_MESSAGE, opReplyPrefix, parseOpQuery } from './op_query.js';
import type { ConnectionLimits, LimitedConnection } from './connection_limits.js';
import { joinChunks, writeBuffers } from './outgoing.js';
import { encodeReply, internalErrorReply, isReplyDocument, replyForRejection, type ReplyBytes } from './reply.js';
import type { CommandHandler, ConnectionInfo, RequestInfo } from './types.js';
import { ConnectionFatalError, isCloseConnectionSignal } from './wire_errors.js';

/** What a connection needs from its server. */
export interface ConnectionContext {
  handler: CommandHandler;
  maxBsonObjectSize: number;
  maxMessageSizeBytes: number;
  strictOpQuery: boolean;
  limits: ConnectionLimits;
  /** True while the command layer holds something for the connection (an open cursor): it is then not idle. */
  holdsWork(conn: ConnectionInfo): boolean;
  nextRequestId(): number;
  log(event: Record<string, unknown>): void;
  onClosed(conn: WireConnection): void;
}

/** Pause reading when this many messages wait, resume below LOW_WATER: a pipelining client cannot grow memory without bound. */
const HIGH_WATER = 32;
const LOW_WATER = 8;

const CLOSE = Symbol('close');
type Outcome = Document | typeof CLOSE;

type QueueItem = Buffer | ConnectionFatalError;

export class WireConnection implements LimitedConnection {
  readonly info: ConnectionInfo;
  private readonly framer: MessageFramer;
  private readonly queue: QueueItem[] = [];
  private running = false;
  private paused = false;
  private readEnded = false;
  private closeNotified = false;
  /** No whole message has arrived yet. */
  private establishing = true;
  /** Fires when the message being received (or, while establishing, the first one) is late. */
  private messageTimer: NodeJS.Timeout | undefined;
  /** Fires when the connection has been quiet for idleConnectionTimeoutMS. */
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly socket: Socket, info: ConnectionInfo, private readonly ctx: ConnectionContext) {
    this.info = info;
    this.framer = new MessageFramer(ctx.maxMessageSizeBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => {
      this.readEnded = true;
      this.maybeEnd();
    });
    socket.on('error', (err) => {
      this.ctx.log({ msg: 'Connection error', id: info.id, remote: info.remoteAddress, error: err.message });
    });
    socket.on('close', () => this.onClose());
    // After the listeners, so that a connection closed right here still reports its close.
    ctx.limits.startEstablishing(this);
    if (!this.info.closed) this.armMessageTimer();
  }

  /** Destroys the socket (no reply); the 'close' event does the bookkeeping. */
  destroy(): void {
    this.info.closed = true;
    this.queue.length = 0;
    this.stopTimers();
    this.socket.destroy();
  }

  /** Closed by the server-wide limits: too many connections have not spoken yet, and this one waited longest. */
  closeForLimit(reason: 'establishing'): void {
    if (this.info.closed) return;
    this.ctx.log({
      msg: 'Closing a connection that sent no message: too many connections are waiting for their first one',
      id: this.info.id,
      remote: this.info.remoteAddress,
      reason,
      maxEstablishingConns: this.ctx.limits.settings.maxEstablishingConns,
    });
    this.destroy();
  }

  private onData(chunk: Buffer): void {
    try {
      const { messages, fatal } = this.framer.push(chunk);
      for (const m of messages) this.queue.push(m);
      this.trackProgress(messages.length > 0);
      if (fatal) {
        this.queue.push(fatal);
        this.socket.pause();
        this.paused = true;
      } else if (!this.paused && this.queue.length >= HIGH_WATER) {
        this.socket.pause();
        this.paused = true;
      }
      void this.pump();
    } catch (err) {
      this.closeForError(err);
    }
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.info.closed) {
        const item = this.queue.shift()!;
        if (item instanceof ConnectionFatalError) {
          this.closeForError(item);
          return;
        }
        if (this.paused && this.queue.length < LOW_WATER && !this.framerFailed()) {
          this.paused = false;
          this.socket.resume();
        }
        await this.process(item);
      }
    } catch (err) {
      this.closeForError(err);
    } finally {
      this.running = false;
      this.maybeEnd();
      this.armIdleTimer();
    }
  }

  /**
   * After each chunk: the idle clock stops, since the client spoke; the message clock restarts when a message
   * completed and more bytes wait, starts when a message begins, and stops when nothing is left half-received.
   */
  private trackProgress(completedMessage: boolean): void {
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (completedMessage && this.establishing) {
      this.establishing = false;
      this.ctx.limits.finishEstablishing(this);
    }
    if (this.establishing) return;
    if (completedMessage || this.framer.pendingBytes === 0) this.stopMessageTimer();
    if (this.framer.pendingBytes > 0 && this.messageTimer === undefined) this.armMessageTimer();
  }

  private armMessageTimer(): void {
    const timeout = this.ctx.limits.settings.partialMessageTimeoutMS;
    if (timeout <= 0) return;
    const timer: NodeJS.Timeout = setTimeout(() => this.afterPoll(() => this.onMessageTimeout(timer)), timeout).unref();
    this.messageTimer = timer;
  }

  private stopMessageTimer(): void {
    if (this.messageTimer === undefined) return;
    clearTimeout(this.messageTimer);
    this.messageTimer = undefined;
  }

  /**
   * Runs `check` after the event loop's next poll for I/O. Timers run before the poll: after the loop was blocked
   * (a long synchronous command), bytes that arrived meanwhile are read first, so they count before the verdict.
   */
  private afterPoll(check: () => void): void {
    setImmediate(check);
  }

  /** `timer` is the one that fired; when it is no longer current, the message completed or was replaced since. */
  private onMessageTimeout(timer: NodeJS.Timeout): void {
    if (this.messageTimer !== timer || this.info.closed) return;
    this.messageTimer = undefined;
    // Reading is paused because this server is behind on the client's earlier messages: the lateness is ours.
    if (this.paused) {
      this.armMessageTimer();
      return;
    }
    this.ctx.log({
      msg: this.establishing ? 'Closing a connection that sent no complete message in time' : 'Closing a connection whose message did not arrive in time',
      id: this.info.id,
      remote: this.info.remoteAddress,
      partialMessageTimeoutMS: this.ctx.limits.settings.partialMessageTimeoutMS,
      pendingBytes: this.framer.pendingBytes,
    });
    this.destroy();
  }

  /** Starts the idle clock once nothing is running, queued or half-received. */
  private armIdleTimer(): void {
    const timeout = this.ctx.limits.settings.idleConnectionTimeoutMS;
    if (timeout <= 0 || this.idleTimer !== undefined || !this.isQuiet()) return;
    const timer: NodeJS.Timeout = setTimeout(() => this.afterPoll(() => this.onIdleTimeout(timer)), timeout).unref();
    this.idleTimer = timer;
  }

  private isQuiet(): boolean {
    return !this.info.closed && !this.establishing && !this.running && this.queue.length === 0 && this.framer.pendingBytes === 0;
  }

  private onIdleTimeout(timer: NodeJS.Timeout): void {
    if (this.idleTimer !== timer) return;
    this.idleTimer = undefined;
    if (!this.isQuiet()) return;
    let holdsWork: boolean;
    try {
      holdsWork = this.ctx.holdsWork(this.info);
    } catch {
      holdsWork = true;
    }
    if (holdsWork) {
      this.armIdleTimer();
      return;
    }
    this.ctx.log({
      msg: 'Closing an idle connection',
      id: this.info.id,
      remote: this.info.remoteAddress,
      idleConnectionTimeoutMS: this.ctx.limits.settings.idleConnectionTimeoutMS,
    });
    this.destroy();
  }

  private stopTimers(): void {
    this.stopMessageTimer();
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private framerFailed(): boolean {
    return this.queue.some((q) => q instanceof ConnectionFatalError);
  }

  /** Half-closed by the client: finish the queued work, then end our side too. */
  private maybeEnd(): void {
    if (this.readEnded && !this.running && this.queue.length === 0 && !this.socket.destroyed) this.socket.end();
  }

  private async process(raw: Buffer): Promise<void> {
    const requestId = raw.readInt32LE(4);
    let message = raw;
    let compressor: CompressorName | null = null;
    if (raw.readInt32LE(12) === OpCode.OP_COMPRESSED) {
      const d = await decompressMessage(raw, this.ctx.maxMessageSizeBytes);
      message = d.message;
      compressor = d.compressor;
    }
    const opCode = message.readInt32LE(12);
    if (opCode === OpCode.OP_MSG) await this.processOpMsg(message, requestId, compressor);
    else if (opCode === OpCode.OP_QUERY) await this.processOpQuery(message, requestId, compressor);
    else throw new ConnectionFatalError(`Unsupported opCode ${opCode}`);
  }

  private async processOpMsg(message: Buffer, requestId: number, compressor: CompressorName | null): Promise<void> {
    const flags = readOpMsgFlags(message) ?? 0;
    // An exhaust stream: while the handler asks to run again, each reply goes out with moreToCome and the same
    // command runs again as a request answering it (its id is the reply's), until a reply without it, or the client
    // leaves.
    let responseTo = requestId;
    for (;;) {
      const request: RequestInfo = {
        requestId: responseTo,
        opCode: OpCode.OP_MSG,
        exhaustAllowed: (flags & OpMsgFlag.exhaustAllowed) !== 0,
        moreToCome: (flags & OpMsgFlag.moreToCome) !== 0,
        compressor,
      };
      let outcome: Outcome;
      let commandName: string | undefined;
      try {
        const command = parseOpMsg(message, this.ctx.maxBsonObjectSize);
        commandName = Object.keys(command)[0];
        outcome = await this.runHandler(command, request);
      } catch (err) {
        if (!(err instanceof MongoServerError)) throw err;
        outcome = err.toReply();
      }
      if (outcome === CLOSE) return this.destroy();
      // moreToCome: the client asked for no reply (fire-and-forget), even for a failure.
      if (request.moreToCome) return;
      const again = request.exhaustAllowed && request.runAgainForExhaust === true && Number(outcome.ok) === 1;
      const replyId = this.ctx.nextRequestId();
      const body = encodeReply(outcome, this.ctx.maxBsonObjectSize);
      await this.send(opMsgReplyPrefix(replyId, request.requestId, body.size, again ? OpMsgFlag.moreToCome : 0), body, compressor, commandName);
      if (!again) return;
      // Between batches the event loop runs: other connections are served, and a client that left is noticed.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.info.closed) return;
      responseTo = replyId;
    }
  }

  private async processOpQuery(message: Buffer, requestId: number, compressor: CompressorName | null): Promise<void> {
    const request: RequestInfo = { requestId, opCode: OpCode.OP_QUERY, exhaustAllowed: false, moreToCome: false, compressor };
    let outcome: Outcome;
    let commandName: string | undefined;
    let responseFlags = OpReplyFlag.awaitCapable;
    try {
      const parsed = parseOpQuery(message, this.ctx.maxBsonObjectSize, this.ctx.strictOpQuery);
      if (parsed.kind === 'legacyQuery') {
        // A legacy find: mongod answers with a query failure ($err) since 5.1.
        responseFlags |= OpReplyFlag.queryFailure;
        outcome = {
          $err: LEGACY_OP_QUERY_MESSAGE,
          errmsg: LEGACY_OP_QUERY_MESSAGE,
          code: LEGACY_OP_QUERY_CODE,
          codeName: `Location${LEGACY_OP_QUERY_CODE}`,
          ok: 0,
        };
      } else {
        commandName = Object.keys(parsed.command)[0];
        outcome = await this.runHandler(parsed.command, request);
      }
    } catch (err) {
      if (!(err instanceof MongoServerError)) throw err;
      outcome = err.toReply();
    }
    if (outcome === CLOSE) return this.destroy();
    const body = encodeReply(outcome, this.ctx.maxBsonObjectSize);
    await this.send(opReplyPrefix(this.ctx.nextRequestId(), requestId, responseFlags, body.size), body, compressor, commandName);
  }

  /** Runs the handler; never rejects. */
  private async runHandler(command: Document, request: RequestInfo): Promise<Outcome> {
    try {
      const reply = await this.ctx.handler(command, this.info, request);
      return isReplyDocument(reply) ? reply : internalErrorReply('command handler returned no reply document');
    } catch (err) {
      if (isCloseConnectionSignal(err)) return CLOSE;
      if (!(err instanceof MongoServerError)) {
        this.ctx.log({ msg: 'Command handler failed', id: this.info.id, error: err instanceof Error ? err.message : String(err) });
      }
      return replyForRejection(err);
    }
  }

  /**
   * Writes a reply message (its prefix, then the body's pieces), compressed when the request was. Resolves once
   * the kernel has the bytes, so the next command starts after its predecessor's reply has left.
   */
  private async send(prefix: Buffer, body: ReplyBytes, compressor: CompressorName | null, commandName: string | undefined): Promise<void> {
    let chunks: readonly Uint8Array[] = [prefix, ...body.chunks];
    if (compressor !== null && !isUncompressedCommand(commandName)) {
      chunks = await compressMessage(joinChunks(chunks, prefix.length + body.size), compressor);
    }
    const buffers = writeBuffers(chunks);
    if (this.info.closed || this.socket.destroyed) return;
    let written = false;
    let wake: (() => void) | undefined;
    const last = buffers.length - 1;
    // Corked, the pieces of one message leave in a single writev.
    if (last > 0) this.socket.cork();
    for (let i = 0; i < last; i++) this.socket.write(buffers[i]!);
    this.socket.write(buffers[last]!, () => {
      written = true;
      wake?.();
    });
    if (last > 0) this.socket.uncork();
    // Usually the kernel took everything at once (the callback only comes on a later tick): no need to wait for it.
    if (written || this.socket.writableLength === 0) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
      const timeout = this.ctx.limits.settings.partialMessageTimeoutMS;
      if (timeout <= 0) return;
      // A client that stops reading would hold this reply, and its connection, for ever.
      const timer = setTimeout(() => this.afterPoll(() => {
        if (written || this.info.closed) return;
        this.ctx.log({
          msg: 'Closing a connection that did not read its reply in time',
          id: this.info.id,
          remote: this.info.remoteAddress,
          partialMessageTimeoutMS: timeout,
          unsentBytes: this.socket.writableLength,
        });
        this.destroy();
        resolve();
      }), timeout).unref();
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private closeForError(err: unknown): void {
    if (this.info.closed) return;
    const event: Record<string, unknown> = {
      msg: 'Closing connection after a protocol error',
      id: this.info.id,
      remote: this.info.remoteAddress,
      error: err instanceof Error ? err.message : String(err),
    };
    if (err instanceof ConnectionFatalError && err.code !== undefined) event.code = err.code;
    this.ctx.log(event);
    this.destroy();
  }

  private onClose(): void {
    this.info.closed = true;
    this.queue.length = 0;
    this.stopTimers();
    this.ctx.limits.finishEstablishing(this);
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.ctx.onClosed(this);
  }
}
