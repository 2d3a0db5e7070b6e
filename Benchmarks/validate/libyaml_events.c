/* libyaml's own event parser over the benchmark's files, nothing built: the floor for any loader
 * on libyaml (amlauth's, PyYAML's CLoader). Reads each file into memory first, then times only
 * yaml_parser_parse over every event. Prints "<bytes> <events> <wall seconds> <CPU seconds>".
 *
 *     cc -O2 -o libyaml_events libyaml_events.c -lyaml && ./libyaml_events FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <yaml.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    unsigned char **texts = calloc(argc, sizeof *texts);
    size_t *sizes = calloc(argc, sizeof *sizes);
    size_t total = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { perror(argv[i]); return 2; }
        fseek(f, 0, SEEK_END);
        sizes[i] = (size_t)ftell(f);
        fseek(f, 0, SEEK_SET);
        texts[i] = malloc(sizes[i] + 1);
        if (fread(texts[i], 1, sizes[i], f) != sizes[i]) { perror(argv[i]); return 2; }
        fclose(f);
        total += sizes[i];
    }
    long events = 0;
    double start = now(), cpuStart = cpu();
    for (int i = 1; i < argc; i++) {
        yaml_parser_t parser;
        yaml_event_t event;
        yaml_parser_initialize(&parser);
        yaml_parser_set_input_string(&parser, texts[i], sizes[i]);
        for (;;) {
            if (!yaml_parser_parse(&parser, &event)) { fprintf(stderr, "%s: parse error\n", argv[i]); return 1; }
            int done = event.type == YAML_STREAM_END_EVENT;
            yaml_event_delete(&event);
            events++;
            if (done) break;
        }
        yaml_parser_delete(&parser);
    }
    printf("%zu %ld %.4f %.4f\n", total, events, now() - start, cpu() - cpuStart);
    return 0;
}
