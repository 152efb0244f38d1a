import { readWebhookUrl } from '@timer/shared';
import { buildWebhookUrl, classifyStatus, webhookBody } from '@timer/controller';

describe('the webhook URL', () => {
  const id = '019a9c4e-7d3a-7b21-9c1e-4f3a2b1c0d9e';

  it.each([
    ['https://h/a?x=1', `https://h/a/${id}?x=1`],
    ['https://h/a/?x=1&y=2', `https://h/a/${id}?x=1&y=2`],
    ['https://h', `https://h/${id}`],
    ['https://h/', `https://h/${id}`],
    ['http://h:8080/a/b//', `http://h:8080/a/b/${id}`],
    ['https://h/a#frag', `https://h/a/${id}`],
    ['https://user:pw@h/a', `https://h/a/${id}`],
  ])('%s → %s', (base, expected) => {
    expect(buildWebhookUrl(base, id)).toBe(expected);
  });
});

describe('credentials in the URL', () => {
  it('become a Basic Authorization header instead of part of the address', () => {
    const reading = readWebhookUrl('https://us%40er:p%3Aw@h/a');
    if (!reading.ok) throw new Error(reading.problem);
    expect(reading.target.origin).toBe('https://h');
    expect(reading.target.authorization).toBe(`Basic ${Buffer.from('us@er:p:w').toString('base64')}`);
    const plain = readWebhookUrl('https://h/a');
    expect(plain.ok && plain.target.authorization).toBeNull();
  });
});

describe('the webhook body', () => {
  it('carries the id and the scheduled time', () => {
    const fireAt = new Date('2026-11-22T12:00:00.123Z');
    expect(webhookBody({ id: 'x', fireAt })).toEqual({ id: 'x', fire_at: '2026-11-22T12:00:00.123Z' });
  });
});

describe('what an answer means', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [301, 'permanent'],
    [302, 'permanent'],
    [400, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
  ])('HTTP %i → %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});
