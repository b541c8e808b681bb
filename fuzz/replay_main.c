/* Regression replay: a fuzz target without libFuzzer. Runs LLVMFuzzerTestOneInput once over
 * every file of the directories (or files) named on the command line — the target's seed
 * corpus and fuzz/regressions/<target>/ in ctest — and fails on the first broken invariant
 * (the target aborts) or when a named directory cannot be read. Files are taken in name
 * order so a run is reproducible. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (f != NULL)
            fclose(f);
        return 1;
    }
    /* an exact-size heap copy, so ASan and valgrind see reads past the input */
    if ((buf = malloc(n > 0 ? (size_t)n : 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        fclose(f);
        free(buf);
        return 1;
    }
    fclose(f);
    fprintf(stderr, "replay: %s (%ld bytes)\n", path, n);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int bad = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s\n", dir);
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        if (n == cap && (names = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof(*names))) == NULL)
            abort();
        if ((names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2)) == NULL)
            abort();
        sprintf(names[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;

        if (stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode)) {
            bad |= run_file(names[i]);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return bad;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int bad = 0;

    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat sb;

        if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            bad |= run_dir(argv[i], &count);
        } else {
            bad |= run_file(argv[i]);
            count++;
        }
    }
    printf("replay: %u inputs, no invariant broken\n", count);
    return bad;
}
