'use strict';
// dubbo2.js 2.3.9 client of the Pulse interop contract (shared/interop.md),
// run by the Go peer suite against a Pulse provider:
//
//   node client.js 127.0.0.1:20880 [burst]
//
// Calls sayHi and getUser, getUser("missing") (expects the provider's error),
// then `burst` concurrent sayHi calls (default 50) on the one connection
// DirectlyDubbo keeps. Prints what it got; exits 0 only if every answer is
// what the contract says.
const { DirectlyDubbo, java } = require('dubbo2.js');

const address = process.argv[2];
const burst = Number(process.argv[3] || 50);
if (!address) {
  console.error('usage: node client.js HOST:PORT [burst]');
  process.exit(2);
}

const dubbo = DirectlyDubbo.from({
  dubboAddress: address,
  dubboVersion: '2.0.2',
  dubboInvokeTimeout: 10,
});

const greetings = dubbo.proxyService({
  dubboInterface: 'org.apache.dubbo.samples.api.GreetingsService',
  methods: {
    sayHi(name) {
      return [java.String(name)];
    },
  },
});

const users = dubbo.proxyService({
  dubboInterface: 'org.apache.dubbo.samples.api.UserService',
  methods: {
    getUser(id) {
      return [java.String(id)];
    },
  },
});

function check(cond, what) {
  if (!cond) {
    throw new Error(what);
  }
}

async function main() {
  const hi = await greetings.sayHi('node');
  check(!hi.err, `sayHi failed: ${hi.err}`);
  console.log(`sayHi: ${hi.res}`);
  check(hi.res === 'hi, node', `sayHi answered ${JSON.stringify(hi.res)}`);

  const user = await users.getUser('u1');
  check(!user.err, `getUser failed: ${user.err}`);
  const u = user.res || {};
  const registered = u.registered instanceof Date ? u.registered.toISOString() : String(u.registered);
  console.log(`getUser: id=${u.id} name=${u.name} age=${u.age} registered=${registered}`);
  check(u.id === 'u1' && u.name === 'Ada' && u.age === 36 && registered === '2020-01-02T03:04:05.000Z',
    `getUser answered ${JSON.stringify(u)}`);

  const missing = await users.getUser('missing');
  check(missing.err, `getUser(missing) answered ${JSON.stringify(missing.res)}`);
  const message = missing.err.message || String(missing.err);
  console.log(`missing: ${message}`);
  check(message.includes('no user missing'), `getUser(missing) error ${message}`);

  const calls = [];
  for (let i = 0; i < burst; i++) {
    calls.push(greetings.sayHi(`node-${i}`));
  }
  const results = await Promise.all(calls);
  let failed = 0;
  results.forEach((r, i) => {
    if (r.err || r.res !== `hi, node-${i}`) {
      failed++;
      if (failed <= 5) {
        console.log(`burst call ${i}: ${r.err || JSON.stringify(r.res)}`);
      }
    }
  });
  console.log(`burst: ${burst - failed}/${burst} ok`);
  check(failed === 0, `${failed} of ${burst} concurrent calls failed`);
}

main().then(() => {
  console.log('ok');
  process.exit(0);
}, (err) => {
  console.log(`FAILED: ${err.message}`);
  process.exit(1);
});
