#include "realm.h"

struct realm sp_process_realm = {
    .handles = {.lock = PTHREAD_MUTEX_INITIALIZER, .mask_once = PTHREAD_ONCE_INIT},
    .buffers = {.lock = PTHREAD_MUTEX_INITIALIZER},
    .adopted = {.lock = PTHREAD_MUTEX_INITIALIZER},
    .assocs = {.lock = PTHREAD_MUTEX_INITIALIZER},
};
