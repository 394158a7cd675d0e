/** Command and reply codes of the ZK 4370 protocol (zk-tcp §6, §7). */
export const Command = {
  CONNECT: 1000,
  EXIT: 1001,
  ENABLEDEVICE: 1002,
  DISABLEDEVICE: 1003,
  REFRESHDATA: 1013,
  GET_VERSION: 1100,
  AUTH: 1102,
  PREPARE_DATA: 1500,
  DATA: 1501,
  FREE_DATA: 1502,
  PREPARE_BUFFER: 1503,
  READ_BUFFER: 1504,
  USERTEMP_RRQ: 9,
  OPTIONS_RRQ: 11,
  ATTLOG_RRQ: 13,
  GET_FREE_SIZES: 50,
  GET_TIME: 201,
  SET_TIME: 202,
  REG_EVENT: 500,
  ACK_OK: 2000,
  ACK_ERROR: 2001,
  ACK_DATA: 2002,
  ACK_RETRY: 2003,
  ACK_REPEAT: 2004,
  ACK_UNAUTH: 2005,
  ACK_UNKNOWN: 0xffff,
  ACK_ERROR_CMD: 0xfffd,
  ACK_ERROR_INIT: 0xfffc,
  ACK_ERROR_DATA: 0xfffb,
} as const;

export type CommandName = keyof typeof Command;

const namesByCode = new Map<number, CommandName>(
  Object.entries(Command).map(([name, code]) => [code, name as CommandName]),
);

/** `CONNECT(1000)`, or the bare number for codes outside the table. */
export function commandLabel(code: number): string {
  const name = namesByCode.get(code);
  return name ? `${name}(${code})` : String(code);
}

/** Reply ids run 0…65534 and wrap to 0; 65535 is never sent (zk-tcp §4). */
export function nextReplyId(id: number): number {
  return (id + 1) % 0xffff;
}
