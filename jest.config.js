/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared', '<rootDir>/timer-api', '<rootDir>/timer-controller', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  // test/containers needs a Docker engine: `npm run test:containers` (jest.containers.config.js).
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/containers/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  // Test files each own a database and spawn real processes; two at a time suits two cores.
  maxWorkers: 2,
  testTimeout: 60_000,
};
