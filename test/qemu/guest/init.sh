#!/bin/busybox sh
# /init of the QEMU conformance guest (busybox, runs as PID 1 from the initramfs).
# Why: the host kernel has no ip_gre, so a stock Debian kernel boots here, loads
# exactly the modules coldpath needs (listed in /modules/order, dependencies
# first), mounts the host's root read-only over virtio-9p, adds the writable
# mounts a run needs, and runs the job script inside a chroot of the host's files.
# Lines starting with "COLDPATH-QEMU:" are markers the host side parses.
/bin/busybox --install -s /bin
export PATH=/bin

marker() { echo "COLDPATH-QEMU: $*"; }
fail() {
  marker "init-failed $*"
  poweroff -f
}

mkdir -p /proc /sys /dev /host
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

for m in $(cat /modules/order); do
  insmod "/modules/$m.ko" || fail "insmod $m"
done
marker "modules-loaded $(wc -l < /modules/order)"

# Read-only, cached: the host's files do not change during the run (node, dist/, node_modules).
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host || fail "mount 9p hostroot"
# Everything a run writes: kernel filesystems, tmpfs for /run (netns, ledgers) and /tmp.
mount -t proc proc /host/proc || fail "mount /host/proc"
mount -t sysfs sys /host/sys || fail "mount /host/sys"
mount -t devtmpfs dev /host/dev || fail "mount /host/dev"
mkdir -p /host/dev/shm /host/dev/pts
mount -t tmpfs shm /host/dev/shm || fail "mount /host/dev/shm"
mount -t devpts devpts /host/dev/pts || fail "mount /host/dev/pts"
mount -t tmpfs run /host/run || fail "mount /host/run"
mount -t tmpfs tmp /host/tmp || fail "mount /host/tmp"
mkdir -p /host/run/netns /host/tmp/job
# The job share: written by the host test (scenario, job script), results go back through it.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 job /host/tmp/job || fail "mount 9p job"
# The checkout, at its own path: it may sit under /tmp or /run, which the tmpfs above hide.
REPO=$(sed -n 's/.*coldpath\.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$REPO" ] || fail "no coldpath.repo= on the kernel command line"
[ -d "/host$REPO" ] || mkdir -p "/host$REPO" || fail "mkdir /host$REPO"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose repo "/host$REPO" || fail "mount 9p repo"
# No network device exists; loopback only, for tools that expect it.
ip link set lo up

marker "chroot $(cut -d' ' -f1 /proc/uptime)"
chroot /host /bin/sh /tmp/job/job.sh
code=$?
sync
marker "job-exit $code $(cut -d' ' -f1 /proc/uptime)"
umount /host/tmp/job
poweroff -f
