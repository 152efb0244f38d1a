/**
 * The container test (`npm run test:containers`): real images and a compose fleet on
 * a Docker engine. Not part of `npm test`, which needs no engine; test/containers/run.sh
 * prepares the engine and the images, then runs this.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/containers'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }],
  },
  // One fleet at a time: each takes most of the machine.
  maxWorkers: 1,
  testTimeout: 300_000,
  verbose: true,
};
