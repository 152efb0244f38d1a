import { createTestDatabase, TestDatabase } from '../../test/helpers/db';
import { RunningApi, startApp, rawRequest } from './support';
let t: TestDatabase; let api: RunningApi;
beforeAll(async () => { t = await createTestDatabase('probe'); api = await startApp(t.config, t.store); });
afterAll(async () => { await api.close(); await t.drop(); });
const J = (o: unknown) => Buffer.from(JSON.stringify(o));
const cases: Array<[string, string | null, Buffer | undefined]> = [
  ['dup', 'application/json', Buffer.from('{"url":"ftp://x","url":"https://example.com/dup"}')],
  ['dup2', 'application/json', Buffer.from('{"url":"https://example.com/dup2","seconds":"x","seconds":5}')],
  ['utf8 in url', 'application/json', Buffer.concat([Buffer.from('{"url":"https://example.com/'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])],
  ['utf8 outside', 'application/json', Buffer.concat([Buffer.from('{"url":"https://example.com/"'), Buffer.from([0xff]), Buffer.from('}')])],
  ['utf8 in key', 'application/json', Buffer.concat([Buffer.from('{"url":"https://example.com/","'), Buffer.from([0xc3]), Buffer.from('":1}')])],
  ['newline in url', 'application/json', J({url: 'https://exa\nmple.com/'})],
  ['tab in url', 'application/json', J({url: 'https://example.com/a\tb'})],
  ['trailing space', 'application/json', J({url: 'https://example.com/ '})],
  ['leading space', 'application/json', J({url: ' https://example.com/'})],
  ['spaces', 'application/json', J({url: '   '})],
  ['idn', 'application/json', J({url: 'https://exämple.com/'})],
  ['port', 'application/json', J({url: 'https://example.com:99999/'})],
  ['http:/', 'application/json', J({url: 'http:/example.com'})],
  ['http://', 'application/json', J({url: 'http://'})],
  ['https://', 'application/json', J({url: 'https://'})],
  ['http:///x', 'application/json', J({url: 'http:///x'})],
  ['http://?x', 'application/json', J({url: 'http://?x'})],
  ['backslash', 'application/json', J({url: 'http:\\\\example.com'})],
  ['proto', 'application/json', Buffer.from('{"__proto__":{"url":"https://example.com"}}')],
  ['proto2', 'application/json', Buffer.from('{"url":"https://example.com","__proto__":{}}')],
  ['ctor', 'application/json', Buffer.from('{"url":"https://example.com","constructor":{"prototype":{}}}')],
  ['empty', 'application/json', Buffer.alloc(0)],
  ['ws', 'application/json', Buffer.from('   ')],
  ['utf16', 'application/json; charset=utf-16le', Buffer.from('{"url":"https://example.com/utf16"}', 'utf16le')],
  ['latin1', 'application/json; charset=latin1', Buffer.from('{"url":"https://example.com/"}')],
  ['none', null, Buffer.from('{"url":"https://example.com"}')],
  ['nobody', 'application/json', undefined],
  ['bom', 'application/json', Buffer.from('\uFEFF{"url":"https://example.com/bom"}')],
  ['nul', 'application/json', J({url: 'https://example.com/\u0000'})],
  ['huge', 'application/json', Buffer.from('{"url":"https://example.com","hours":1e300}')],
  ['huge2', 'application/json', Buffer.from('{"url":"https://example.com","hours":1e400}')],
  ['deep', 'application/json', Buffer.from('['.repeat(7000) + ']'.repeat(7000))],
  ['deep2', 'application/json', Buffer.from('{"url":"https://example.com","seconds":' + '{"a":'.repeat(2000) + '1' + '}'.repeat(2000) + '}')],
  ['long url', 'application/json', J({url: 'https://example.com/' + 'a'.repeat(2029)})],
  ['max url', 'application/json', J({url: 'https://example.com/' + 'a'.repeat(2028)})],
  ['vnd', 'application/vnd.api+json', J({url: 'https://example.com/vnd'})],
  ['JSON upper', 'APPLICATION/JSON', J({url: 'https://example.com/upper'})],
  ['json-seq', 'application/json-seq', J({url: 'https://example.com/upper'})],
];
it.each(cases)('%s', async (name, ct, body) => {
  const res = await rawRequest(api.port, { method: 'POST', path: '/timers', headers: ct ? { 'Content-Type': ct } : {}, body });
  console.log(name, res.status, res.text.slice(0, 300));
});
it.each([['compress', '{"url":"https://example.com"}'], ['gzip', '{"url":"https://example.com"}'], ['br', 'xx'], ['identity', '{"url":"https://example.com/ident"}']])('encoding %s', async (enc, b) => {
  const res = await rawRequest(api.port, { method: 'POST', path: '/timers', headers: { 'Content-Type': 'application/json', 'Content-Encoding': enc }, body: Buffer.from(b) });
  console.log(enc, res.status, res.text.slice(0, 300));
});
it('count', async () => { const [r] = await t.db.raw('select url from timers'); console.log(JSON.stringify(r)); });
