// Preloaded into a service process (NODE_OPTIONS=--require …) by tests that ask
// which OpenTelemetry modules it loaded, and who asked for them: every require()
// of an @opentelemetry package is noted with the file that made it, and when the
// process exits the list is written as JSON to the file named by REPORT_MODULES_TO.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');

const out = process.env.REPORT_MODULES_TO;
if (out) {
  const loads = [];
  const load = Module._load;
  Module._load = function (request, parent, ...rest) {
    if (request.startsWith('@opentelemetry/')) {
      loads.push({ request, from: parent && parent.filename ? parent.filename : null });
    }
    return load.call(this, request, parent, ...rest);
  };
  process.on('exit', () => fs.writeFileSync(out, JSON.stringify(loads)));
}
