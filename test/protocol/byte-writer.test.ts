import t from 'tap';
import { ByteWriter } from '../../protocol/bytes/byte-writer.js';
import { EncodeError } from '../../protocol/errors.js';

t.test('fields land where the layout says, in its byte order, the rest stays zero', async (t) => {
  const le = new ByteWriter(12, 'test layout').u8(0, 0xab, 'a').u16(1, 0x1234, 'b').u32(3, 0xdeadbeef, 'c');
  t.same([...le.bytes], [0xab, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0, 0]);
  const be = new ByteWriter(6, 'test layout', 'be').u16(0, 0x1234, 'b').u32(2, 0xdeadbeef, 'c');
  t.same([...be.bytes], [0x12, 0x34, 0xde, 0xad, 0xbe, 0xef]);
});

t.test(
  'text is latin-1 and NUL-padded; a value that fills the field has no NUL; a longer one is refused',
  async (t) => {
    const w = new ByteWriter(8, 'test layout').text(0, 4, 'ab', 'name').text(4, 4, 'wxyz', 'id');
    t.same(w.bytes.toString('latin1'), 'ab\0\0wxyz');
    t.throws(() => new ByteWriter(8, 'user record').text(0, 4, 'abcde', 'name'), {
      code: 'X05_ENCODE',
      layout: 'user record',
      field: 'name',
      value: 'abcde',
      message: 'user record: name "abcde" is longer than 4 bytes',
    });
  },
);

t.test(
  'numbers outside the field are refused with the field named, never wrapped or truncated',
  async (t) => {
    for (const [width, value] of [
      [1, 256],
      [1, -1],
      [2, 0x10000],
      [4, 0x100000000],
      [4, 1.5],
      [4, Number.NaN],
    ] as const) {
      const w = new ByteWriter(4, 'header');
      const write = () =>
        width === 1 ? w.u8(0, value, 'f') : width === 2 ? w.u16(0, value, 'f') : w.u32(0, value, 'f');
      t.throws(write, EncodeError, `u${width * 8} ${value}`);
      t.same([...w.bytes], [0, 0, 0, 0], 'nothing written');
    }
  },
);

t.test('digits: a decimal id carried as an integer', async (t) => {
  t.same([...new ByteWriter(2, 'x').digits(0, 2, '65535', 'userId').bytes], [0xff, 0xff]);
  t.same([...new ByteWriter(4, 'x').digits(0, 4, '4294967295', 'userId').bytes], [0xff, 0xff, 0xff, 0xff]);
  for (const id of ['', 'A1', '1e3', '-1', ' 1', '65536'])
    t.throws(() => new ByteWriter(2, 'x').digits(0, 2, id, 'userId'), { code: 'X05_ENCODE', value: id }, id);
});
