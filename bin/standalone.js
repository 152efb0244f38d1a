#!/usr/bin/env node
// `npm start`: timer-api and timer-controller in one process, sharing one config,
// one connection pool and one logger. For a single machine; in production run them
// as separate processes (`npm run start:api`, `npm run start:controller`).
// Without DATABASE_URL it keeps its timers in a SQLite file (./data/timers.sqlite,
// or SQLITE_PATH); only this process may use SQLite.
'use strict';
const { runService } = require('@timer/shared');
const { startApi } = require('@timer/api');
const { startController } = require('@timer/controller');

// The controller's outcome writes send a transaction in one round trip (multipleStatements).
void runService('timer-service', [startApi, startController], { standalone: true, multipleStatements: true });
