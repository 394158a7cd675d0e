import t from 'tap';
import { CStringTable, cString } from '../../protocol/zk/c-string.js';

const field = (text: string, size: number) => {
  const b = Buffer.alloc(size, 0x7a); // junk after the NUL, as terminals leave it
  b.write(`${text}\0`, 'latin1');
  return b;
};

t.test('cString: bytes up to the first NUL, latin1; the whole field when there is none', async (t) => {
  t.equal(cString(field('00042', 24)), '00042');
  t.equal(cString(Buffer.from('ABCDEF', 'latin1')), 'ABCDEF');
  t.equal(cString(field('', 8)), '');
  t.equal(cString(Buffer.from([0x4d, 0xfc, 0x6c, 0])), 'Mül');
});

t.test('CStringTable reads what cString reads, repeated ids included', async (t) => {
  const table = new CStringTable();
  const texts = ['1', '00042', 'A-17', '', 'Mül', '12345678901234567890123', '1', '00042'];
  const log = Buffer.concat(texts.map((x) => field(x, 24)));
  const read = texts.map((_, i) => table.read(log, i * 24, i * 24 + 24));
  t.same(read, texts);
  t.same(
    read,
    texts.map((_, i) => cString(log.subarray(i * 24, i * 24 + 24))),
  );
  // a full 24-byte field with no NUL stops at the field end, not in the next record
  const full = Buffer.concat([Buffer.from('X'.repeat(24)), field('7', 24)]);
  t.equal(table.read(full, 0, 24), 'X'.repeat(24));
});

t.test('CStringTable: two ids with the same hash are each read as their own bytes', async (t) => {
  // "Aa" and "BB" hash alike under ×31 (65·31+97 = 66·31+66): the second must not be handed the first
  const table = new CStringTable();
  const log = Buffer.concat([field('Aa', 24), field('BB', 24), field('Aa', 24), field('BB', 24)]);
  t.same(
    [0, 1, 2, 3].map((i) => table.read(log, i * 24, i * 24 + 24)),
    ['Aa', 'BB', 'Aa', 'BB'],
  );
});
