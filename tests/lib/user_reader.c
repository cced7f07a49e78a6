// SPDX-License-Identifier: GPL-2.0-or-later
#include "user_reader.h"

__thread struct virtio_rcu_shm_cpu *user_reader_rec;
struct virtio_rcu_shm_header *user_reader_hdr;
