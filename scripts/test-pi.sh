#!/usr/bin/env bash
# npm run test:pi [arm64|armhf …]: the Raspberry Pi production install, proven on ARM without a Pi.
# For each architecture: a Debian root filesystem made with debootstrap (cached), its own nodejs and npm,
# the app as a site engineer installs it (the packed build + the lockfile, `npm ci --omit=dev`, the
# README's `x05-gateway` wrapper), then `x05-gateway demo` to its summary, every ARM binary run by
# qemu-user through binfmt_misc. Prints the time of each phase; exits non-zero on any failure.
# Needs root (debootstrap, chroot, mounts). Env: X05_PI_ARCHES (default "arm64 armhf"), X05_PI_CACHE.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
read -r -a arches <<<"${*:-${X05_PI_ARCHES:-arm64 armhf}}"
# trixie is the first Debian release whose own nodejs is 20 or later (bookworm ships 18)
release=trixie
mirror=${X05_PI_MIRROR:-http://deb.debian.org/debian}
cache=${X05_PI_CACHE:-/var/cache/x05-test-pi}
# the npm node 20's releases bundle (nodejs.org tarball, NodeSource package)
npm_version=${X05_PI_NPM:-10.8.2}
chroot_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

declare -A qemu=([arm64]=aarch64 [armhf]=arm)
declare -a figures=()

fail() {
  echo "test:pi: $*" >&2
  exit 1
}

# runs "$@" and prints how long it took under the label $1, again in the closing summary
timed() {
  local label=$1 start tenths
  shift
  start=$(date +%s%N)
  "$@"
  tenths=$((($(date +%s%N) - start) / 100000000))
  figures+=("$(printf '%-28s %5d.%d s' "$label" $((tenths / 10)) $((tenths % 10)))")
  echo "${figures[-1]}"
}

# runs a command in a rootfs with /proc and /dev mounted in a private mount namespace, so nothing stays
# mounted on the cached rootfs when the command ends or the script is killed
in_rootfs() {
  local dir=$1
  shift
  unshare --mount --propagation private -- sh -c '
    dir=$1; shift
    mount -t proc proc "$dir/proc" && mount --rbind /dev "$dir/dev" || exit 1
    exec chroot "$dir" "$@"' sh "$dir" \
    env -i PATH="$chroot_path" HOME=/root LANG=C.UTF-8 "$@"
}

host_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v update-binfmts >/dev/null || missing+=(binfmt-support)
  for arch in "${arches[@]}"; do
    [ -x "/usr/bin/qemu-${qemu[$arch]}-static" ] || missing+=(qemu-user-static)
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq -o DPkg::Lock::Timeout=600
    # another apt run on the machine holds the lock for a while: wait for it rather than fail
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
  fi
}

# npm, node and the demo start child processes, so qemu must be the kernel's interpreter for ARM
# binaries (binfmt_misc); qemu-user-static registers it with the F flag, which opens the interpreter
# at registration and so also works inside the chroot, where /usr/libexec/qemu-binfmt is absent
binfmt() {
  local arch=$1 name="qemu-${qemu[$1]}"
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  [ -e "/proc/sys/fs/binfmt_misc/$name" ] || update-binfmts --enable "$name" >/dev/null
  grep -q '^flags: .*F' "/proc/sys/fs/binfmt_misc/$name" ||
    fail "$name is registered without the F flag: ARM binaries cannot start inside the chroot"
}

build() {
  (cd "$root" && npm run build --silent)
  pack_dir=$(mktemp -d)
  trap 'rm -rf "$pack_dir"' EXIT
  tarball="$pack_dir/$(cd "$root" && npm pack --silent --pack-destination "$pack_dir" | tail -n 1)"
}

# the base system, made once per architecture and kept in the cache; a half-made one is never reused
make_rootfs() {
  local arch=$1 dir=$2
  # a debootstrap killed mid-way can leave the host's /proc or /sys mounted inside: never delete through them
  rm -rf --one-file-system "$dir.partial" || fail "unmount what is still mounted under $dir.partial"
  debootstrap --arch="$arch" --variant=minbase --include=ca-certificates \
    "$release" "$dir.partial" "$mirror" >"$cache/$arch.debootstrap.log" 2>&1 ||
    fail "debootstrap $arch failed: see $cache/$arch.debootstrap.log"
  mv "$dir.partial" "$dir.base"
}

# Debian's nodejs, with the npm that node 20's own releases (nodejs.org, NodeSource) bundle: Debian's npm
# package is the same npm split into some 460 packages, which take longer to unpack under qemu than all the rest
install_node() {
  local arch=$1 dir=$2
  cp /etc/resolv.conf "$dir.base/etc/resolv.conf"
  in_rootfs "$dir.base" sh -c 'apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs && apt-get clean' \
    >"$cache/$arch.node.log" 2>&1 || fail "nodejs in the $arch rootfs: see $cache/$arch.node.log"
  [ -f "$cache/npm-$npm_version.tgz" ] ||
    (cd "$cache" && npm pack --silent "npm@$npm_version" >/dev/null) || fail "cannot fetch npm $npm_version"
  mkdir -p "$dir.base/usr/local/lib/node_modules/npm"
  tar -xzf "$cache/npm-$npm_version.tgz" -C "$dir.base/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dir.base/usr/local/bin/npm"
  mv "$dir.base" "$dir"
}

# what a site engineer does (README "Install a site gateway on a Raspberry Pi"): the built app in
# /opt/x05-gateway with production dependencies only, and the x05-gateway wrapper on the PATH
install_app() {
  local dir=$1
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  rm -rf "$dir/opt/x05-gateway" && mkdir -p "$dir/opt/x05-gateway"
  tar -xzf "$tarball" -C "$dir/opt/x05-gateway" --strip-components=1
  # npm pack leaves the lockfile out; the install pins exactly what the checkout was tested with
  cp "$root/package-lock.json" "$dir/opt/x05-gateway/"
  # the host's trust store, so that a registry reached through a TLS-inspecting proxy is trusted as on the host
  cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/host-ca-certificates.crt"
  in_rootfs "$dir" NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca-certificates.crt \
    sh -c 'cd /opt/x05-gateway && npm ci --omit=dev --no-audit --no-fund --no-update-notifier --loglevel=error'
  # npm can end 0 after a failed fetch ("Exit handler never called"): check that the packages are there
  [ -f "$dir/opt/x05-gateway/node_modules/classic-level/package.json" ] || fail "npm ci installed nothing"
  printf '#!/bin/sh\nexec /usr/bin/node /opt/x05-gateway/dist/src/cli/main.js "$@"\n' >"$dir/usr/local/bin/x05-gateway"
  chmod 755 "$dir/usr/local/bin/x05-gateway"
  [ ! -e "$dir/opt/x05-gateway/node_modules/typescript" ] || fail "dev dependencies were installed"
}

run_demo() {
  local arch=$1 dir=$2 log="$cache/$arch.demo.log" code=0
  in_rootfs "$dir" timeout 600 x05-gateway demo >"$log" 2>&1 || code=$?
  cat "$log"
  [ "$code" -eq 0 ] || fail "$arch: the demo exited $code"
  grep -Eq '^done: 2,000 punches through every stage' "$log" || fail "$arch: no summary line"
  grep -Eq 'confirmed +2,000 confirmed back to the gateway' "$log" || fail "$arch: not every punch confirmed"
  ! grep -Eq '"level":50|error:|Cannot find (module|package)' "$log" || fail "$arch: the demo logged an error"
}

# which node runs and which LevelDB binding it loaded: the armhf answer depends on the prebuild's ARM version
describe() {
  in_rootfs "$1" node -e '
    const modules = "/opt/x05-gateway/node_modules/";
    const binding = require(modules + "node-gyp-build").path(modules + "classic-level");
    const arm = process.config.variables.arm_version;
    console.log(`node ${process.version} (${process.arch}${arm ? ` v${arm}` : ""}), LevelDB ${binding.replace(/.*prebuilds./, "")}`);'
  in_rootfs "$1" x05-gateway --version
}

[ "$(id -u)" -eq 0 ] || fail "needs root: debootstrap, chroot and mounts"
for arch in "${arches[@]}"; do [ -n "${qemu[$arch]:-}" ] || fail "unknown architecture $arch (arm64, armhf)"; done
mkdir -p "$cache"
timed "host: apt tools" host_tools
timed "host: build + npm pack" build
for arch in "${arches[@]}"; do
  echo "== $arch"
  dir="$cache/$arch"
  binfmt "$arch"
  if [ -d "$dir" ]; then
    figures+=("$(printf '%-28s %9s' "$arch: rootfs" cached)")
  else
    [ -d "$dir.base" ] || timed "$arch: debootstrap $release" make_rootfs "$arch" "$dir"
    timed "$arch: nodejs, npm $npm_version" install_node "$arch" "$dir"
  fi
  timed "$arch: npm ci --omit=dev" install_app "$dir"
  describe "$dir"
  timed "$arch: x05-gateway demo" run_demo "$arch" "$dir"
done
printf '%s\n' "== timings" "${figures[@]}"
