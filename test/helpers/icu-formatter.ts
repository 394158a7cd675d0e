/**
 * ICU's own formatter of a zone's wall time (`en-US` parts, 24-hour clock), one per zone: building an Intl
 * formatter costs more than using it, and tests ask for thousands of wall times. Made here, apart from the
 * sources' cache (src/event/wall-clock.ts), so a test that checks that cache against ICU asks ICU itself.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function icuFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}
