import { readFileSync } from 'node:fs';

/**
 * The memory settings the Docker image sets (`ENV NODE_OPTIONS="…"`, `ENV MALLOC_ARENA_MAX=N`), read from
 * the Dockerfile, so the systemd unit's test and the backlog benchmark use what the image runs with.
 */
export function imageMemorySettings(dockerfilePath: string): {
  nodeOptions: string | undefined;
  mallocArenaMax: string | undefined;
} {
  const dockerfile = readFileSync(dockerfilePath, 'utf8');
  return {
    nodeOptions: /^ENV NODE_OPTIONS="([^"]*)"/m.exec(dockerfile)?.[1],
    mallocArenaMax: /^ENV MALLOC_ARENA_MAX=(\d+)$/m.exec(dockerfile)?.[1],
  };
}
