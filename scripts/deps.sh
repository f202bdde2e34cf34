# Sourced by scripts/bench and scripts/test: installs the Debian packages a
# command needs, or says exactly how to.
#
# need_packages PKG...   installs the missing ones when run as root; otherwise
#                        prints the apt-get line and exits 1.
need_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages; install them with:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    case " ${missing[*]}" in
    *:arm64*)
        if ! dpkg --print-foreign-architectures | grep -qx arm64; then
            dpkg --add-architecture arm64
            DK_APT_UPDATED= # the new architecture needs fresh package lists
        fi
        ;;
    esac
    echo "installing: ${missing[*]}" >&2
    if [ -z "${DK_APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
        DK_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}
