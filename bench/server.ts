/**
 * The ceilings, each in its own process: `node server.js bare|express PORT`.
 *   bare    — node:http answering 200 to every request: what a receiver can take.
 *   express — Express 5 parsing a JSON POST and answering 201: the api's framework
 *             cost with no work behind it.
 */
import http from 'node:http';
import express from 'express';

const [kind, port] = process.argv.slice(2);

if (kind === 'bare') {
  http
    .createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    })
    .listen(Number(port), '127.0.0.1');
} else if (kind === 'express') {
  const app = express();
  app.use(express.json());
  app.post('/timers', (req, res) => {
    res.status(201).json({ id: 'noop', received: typeof req.body });
  });
  app.listen(Number(port), '127.0.0.1');
} else {
  process.stderr.write('usage: server.js bare|express PORT\n');
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
