/**
 * Preloaded into the services when the pipeline benchmark runs with BENCH_AMQP_NODELAY=1, as a
 * diagnostic. amqplib switches Nagle's algorithm on (it calls socket.setNoDelay(false) unless its
 * `noDelay` socket option is set, and @leap/messaging's AmqpTransport does not set it); with this
 * preload that call sets TCP_NODELAY instead, so a run shows what Nagle costs the hand-offs.
 * The other clients in the services (pg, the HTTP server) set TCP_NODELAY themselves already.
 */
'use strict';
const net = require('node:net');

const setNoDelay = net.Socket.prototype.setNoDelay;
net.Socket.prototype.setNoDelay = function setNoDelayAlways() {
  return setNoDelay.call(this, true);
};
