#!/bin/sh
# Installs podman + runc (Debian packages) when missing and builds the offline test images from
# busybox-static. Idempotent. Follows ../shared/reference/podman-notes.md §0.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF="$HERE/containers.conf"
if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1 || [ ! -x /bin/busybox ] \
   || ! command -v mosquitto >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq podman runc catatonit netavark aardvark-dns iptables busybox-static mosquitto >/dev/null
fi
echo "runtime: $(podman info --format '{{.Host.OCIRuntime.Name}} cgroups={{.Host.CgroupsVersion}} manager={{.Host.CgroupManager}}')"
if [ "${PEAPOD_REBUILD_IMAGES:-0}" != 1 ] && podman image exists localhost/edge-test/memhog:1 \
   && podman image exists localhost/edge-test/busybox:1 && podman image exists localhost/edge-test/httpd:1 \
   && podman image exists localhost/edge-test/exit:1; then
  echo "images: present"
  exit 0
fi
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
R="$WORK/rootfs"
mkdir -p "$R/bin" "$R/etc" "$R/www" "$R/tmp" "$R/proc" "$R/sys" "$R/dev"
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"; done
chmod 1777 "$R/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$R/etc/group"
echo 'hello from busybox httpd' > "$R/www/index.html"
tar --numeric-owner --owner=0 --group=0 -C "$R" -cf "$WORK/rootfs.tar" .
imp() { tag=$1; shift
  if podman image exists "$tag"; then podman rmi -f "$tag" >/dev/null; fi
  podman import -q "$@" "$WORK/rootfs.tar" "$tag" >/dev/null; echo "image: $tag"; }
imp localhost/edge-test/busybox:1 --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]'
imp localhost/edge-test/httpd:1 --change 'ENV PATH=/bin' --change 'EXPOSE 8080' \
    --change 'ENTRYPOINT ["/bin/httpd","-f","-v","-p","8080","-h","/www"]'
imp localhost/edge-test/exit:1 --change 'ENV PATH=/bin' --change 'ENV EXIT_CODE=3' \
    --change 'ENTRYPOINT ["/bin/sh","-c","echo exiting with $EXIT_CODE; exit $EXIT_CODE"]'
imp localhost/edge-test/memhog:1 --change 'ENV PATH=/bin' --change 'ENV HOG_MB=64' \
    --change 'ENTRYPOINT ["/bin/sh","-c","echo allocating ${HOG_MB}MB; exec dd if=/dev/zero of=/dev/null bs=${HOG_MB}M count=1"]'
podman pod create --name peapod-warmup >/dev/null && podman pod rm -f peapod-warmup >/dev/null  # builds the pause image
podman image exists "localhost/podman-pause:$(podman version --format '{{.Client.Version}}')-0" && echo "image: pause ready"
out=$(podman run --rm --pull=never localhost/edge-test/busybox:1 echo ok); [ "$out" = ok ] && echo "smoke: ok"
