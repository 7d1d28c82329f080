/*
 * tmpdir.h - temporary directories for tests that need a real file system (LMDB): made with
 * mkdtemp, removed with what they hold (files and directories of files, e.g. a data directory)
 * in teardown. Header-only, for tests.
 */
#ifndef IDR_TESTS_UNIT_LIB_TMPDIR_H
#define IDR_TESTS_UNIT_LIB_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Make /tmp/<name>.XXXXXX into buf (cap bytes). Returns buf, or NULL. */
static inline char *
tmpdir_make(char *buf, size_t cap, const char *name)
{
	if (snprintf(buf, cap, "/tmp/%s.XXXXXX", name) >= (int)cap) {
		return NULL;
	}
	return mkdtemp(buf);
}

/* Remove path and everything in it (files and directories, recursively). */
static inline void
tmpdir_remove(const char *path)
{
	struct dirent *de;
	struct stat st;
	char sub[1024];
	DIR *d = opendir(path);

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub)) {
			continue;
		}
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			tmpdir_remove(sub);
		} else {
			(void)unlink(sub);
		}
	}
	if (d != NULL) {
		closedir(d);
	}
	(void)rmdir(path);
}

#endif /* IDR_TESTS_UNIT_LIB_TMPDIR_H */
