# shellcheck shell=bash
# The package build, shared by the package suite (tests/package/run) and the
# boot suite (tests/boot/run): sourced, not run.  The caller defines fail().
#
#   deb_clean_copy SRC DEST   the tree as it would be committed, in DEST
#   deb_version COPY          meson's project version of the copy
#   deb_build COPY LOG        dpkg-buildpackage -b in COPY; the .deb lands
#                             next to COPY (COPY/..)

deb_clean_copy() { # SRC DEST
	# The files git knows plus new ones it does not ignore: the working tree
	# as it would be committed, without the developer's build directories.
	mkdir -p "$2"
	if git -C "$1" rev-parse --git-dir >/dev/null 2>&1; then
		# (--ignore-failed-read: a file deleted but not yet committed.)
		git -C "$1" ls-files --cached --others --exclude-standard -z |
			tar -C "$1" --null -T - --ignore-failed-read -cf - 2>/dev/null |
			tar -C "$2" -xf -
	else
		tar -C "$1" --exclude='./build*' --exclude=.git -cf - . | tar -C "$2" -xf -
	fi
}

deb_version() { # COPY
	sed -n "s/^  version: '\([^']*\)',\$/\1/p" "$1/meson.build"
}

deb_build() { # COPY LOG
	if ! (cd "$1" && DEB_BUILD_OPTIONS="parallel=2 nocheck" \
		dpkg-buildpackage -us -uc -b) >"$2" 2>&1; then
		tail -n 40 "$2" >&2
		fail "dpkg-buildpackage failed (log above)"
	fi
}
