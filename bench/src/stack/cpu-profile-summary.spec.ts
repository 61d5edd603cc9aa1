import { profileShares } from './cpu-profile-summary';

describe('profileShares', () => {
  it('groups self time by package, FleetSign file and V8 frame, leaving idle time out', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(idle)', '') },
        { id: 2, callFrame: frame('sendCommand', 'file:///w/node_modules/ioredis/built/Redis.js') },
        {
          id: 3,
          callFrame: frame('run', 'file:///w/dist/apps/signer/apps/signer/src/pipeline/step-timer.js'),
        },
        { id: 4, callFrame: frame('(garbage collector)', '') },
        { id: 5, callFrame: frame('add', 'file:///w/node_modules/@nestjs/core/index.js') },
      ],
      samples: [1, 2, 2, 3, 4, 5],
      timeDeltas: [500, 100, 100, 100, 50, 50],
    };
    expect(profileShares(profile)).toEqual([
      { what: 'npm ioredis', share: 0.5 },
      { what: 'apps/signer/src/pipeline/step-timer', share: 0.25 },
      { what: '(garbage collector)', share: 0.125 },
      { what: 'npm @nestjs/core', share: 0.125 },
    ]);
  });
});
