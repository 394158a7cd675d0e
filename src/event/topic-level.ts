/**
 * A site name or device serial as one MQTT topic level: MQTT forbids `/`, `+`, `#` inside a level. The
 * gateway publishes under it and the forwarder checks a payload against it, so both take it from here.
 */
export function topicLevel(s: string): string {
  return s.replace(/[/+#\s]/g, '_');
}
