/** A port on 127.0.0.1 that is free right now for both TCP and UDP (honeypot and syslog tests bind both). */
import dgram from 'node:dgram';
import net from 'node:net';

export async function freeTcpUdpPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const srv = net.createServer();
    const port = await new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as net.AddressInfo).port)));
    await new Promise<void>((r) => srv.close(() => r()));
    const u = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      u.once('error', () => r(false));
      u.bind(port, '127.0.0.1', () => r(true));
    });
    u.close();
    if (ok) return port;
  }
  throw new Error('no free port');
}
