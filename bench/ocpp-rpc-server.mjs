// A peer central system for `centrale-bench` scenario 7: npm `ocpp-rpc`'s server in strict mode
// (every CALL and answer validated against the OCPP 1.6 JSON schemas), answering what the bench
// sends. Prints `listening PORT` once ready.
// ocpp-rpc is installed with the end-to-end tests (end2end/node_modules).
import { createRequire } from 'node:module';
const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { RPCServer } = require('ocpp-rpc');

const now = () => new Date().toISOString();
const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
server.on('client', (client) => {
  client.handle('BootNotification', () => ({ status: 'Accepted', interval: 86400, currentTime: now() }));
  client.handle('Heartbeat', () => ({ currentTime: now() }));
  client.handle('StatusNotification', () => ({}));
});
const http = await server.listen(0, '127.0.0.1');
console.log(`listening ${http.address().port}`);
