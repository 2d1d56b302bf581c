import { connect as amqpConnect, type ChannelModel } from 'amqplib';
import { connect as tcpConnect, type Socket } from 'node:net';
import { TEST_AMQP_URL } from './infra';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

/** Opens a TCP connection; resolves with the socket or rejects with the connect error. */
function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends the AMQP 0-9-1 protocol header and resolves with the broker's first frame. */
function amqpHandshake(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    socket.once('data', resolve);
    socket.once('error', reject);
    socket.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]));
  });
}

describe('TcpProxy in front of the real RabbitMQ', () => {
  const broker = new URL(TEST_AMQP_URL);
  let proxy: TcpProxy;
  const connections: ChannelModel[] = [];

  beforeEach(async () => {
    proxy = await startTcpProxy({ targetHost: broker.hostname, targetPort: Number(broker.port || 5672) });
  });

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close().catch(() => undefined)));
    await proxy.close();
  });

  it('rewrites the host and port of a URL and keeps the rest', () => {
    expect(proxy.url('amqp://guest:secret@rabbit.internal:5672/leap_test_x?heartbeat=5')).toBe(
      `amqp://guest:secret@127.0.0.1:${proxy.port}/leap_test_x?heartbeat=5`,
    );
    expect(proxy.url('postgres://postgres@db/leap')).toBe(`postgres://postgres@127.0.0.1:${proxy.port}/leap`);
  });

  it('relays the AMQP protocol byte for byte', async () => {
    const socket = await dial(proxy.port);
    try {
      const frame = await amqpHandshake(socket);
      expect(frame[0]).toBe(1); // a method frame: connection.start
      expect(frame.readUInt16BE(7)).toBe(10); // class connection
      expect(frame.readUInt16BE(9)).toBe(10); // method start
    } finally {
      socket.destroy();
    }
  });

  it('cut() drops live broker connections and refuses new ones; restore() lets clients in again', async () => {
    const url = proxy.url(TEST_AMQP_URL);
    const connection = await amqpConnect(url);
    connections.push(connection);
    const channel = await connection.createChannel();
    await channel.checkExchange('amq.topic');
    expect(proxy.connectionCount).toBe(1);

    const closed = new Promise<Error | undefined>((resolve) => connection.once('close', resolve));
    connection.on('error', () => undefined);
    await proxy.cut();
    const reason = await closed;
    expect(String(reason)).toMatch(/ECONNRESET|closed|Unexpected close/i);
    expect(proxy.isCut).toBe(true);

    await expect(dial(proxy.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(amqpConnect(url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const port = proxy.port;
    await proxy.restore();
    expect(proxy.port).toBe(port);
    const again = await amqpConnect(url);
    connections.push(again);
    const ch = await again.createChannel();
    await ch.checkExchange('amq.topic');
  });

  it('stops relaying for good once closed', async () => {
    const socket = await dial(proxy.port);
    const ended = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => undefined);
    await proxy.close();
    await ended;
    await expect(dial(proxy.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(proxy.restore()).rejects.toThrow('The proxy is closed');
  });
});
