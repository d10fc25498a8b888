/*
 * Libraries flowzoo loads only when a run uses them: librdkafka (--kafka,
 * --kafka-mock), libmicrohttpd (--http) and libpcap (--pcap-eal, --replay).
 * Linked as usual, they and what they link (OpenSSL, GnuTLS, nettle, GMP,
 * SASL, D-Bus, systemd, ...: 25 more shared objects) were mapped and
 * relocated at every start, about 8 ms of the 15 ms an offline run on an
 * empty capture took (docs/benchmarks.md "Offline"). Each function flowzoo
 * calls is defined here instead: the first call dlopens the library and
 * looks the function up, later calls go straight to it. The linker
 * (--as-needed) then leaves the libraries out of flowzoo's DT_NEEDED.
 *
 * A library that cannot be loaded at its first use is a start-up error
 * (exit status 2) naming it; Debian's flowzoo package depends on them.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <microhttpd.h>
#include <pcap/pcap.h>
#ifdef FZ_HAVE_KAFKA
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif

struct lazy_lib {
	const char *soname;
	void *handle;
};

static pthread_mutex_t lazy_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lazy_lib mhd = {"libmicrohttpd.so.12", NULL};
static struct lazy_lib pcap = {"libpcap.so.0.8", NULL};
#ifdef FZ_HAVE_KAFKA
static struct lazy_lib kafka = {"librdkafka.so.1", NULL};
#endif

/* name's address in lib, loading lib first when needed; exits when it cannot. */
static void *lazy_sym(struct lazy_lib *lib, const char *name)
{
	void *h, *f;

	pthread_mutex_lock(&lazy_lock);
	h = lib->handle;
	if (h == NULL) {
		h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		lib->handle = h;
	}
	pthread_mutex_unlock(&lazy_lock);
	f = h ? dlsym(h, name) : NULL;
	if (f == NULL) {
		fprintf(stderr, "flowzoo: cannot load %s (%s) for this run: %s\n", lib->soname,
		        name, dlerror());
		exit(2);
	}
	return f;
}

/* The function pointer of name, looked up once (threads may race to store the same value). */
#define LAZY_FN(lib, name)                                                                         \
	static __typeof__(&name) fn;                                                               \
	__typeof__(&name) f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);                              \
	if (f == NULL) {                                                                           \
		f = (__typeof__(&name))lazy_sym(&lib, #name);                                      \
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);                                        \
	}

#define LAZY(lib, ret, name, params, args)                                                         \
	ret name params                                                                            \
	{                                                                                          \
		LAZY_FN(lib, name)                                                                 \
		return f args;                                                                     \
	}

#define LAZY_VOID(lib, name, params, args)                                                         \
	void name params                                                                           \
	{                                                                                          \
		LAZY_FN(lib, name)                                                                 \
		f args;                                                                            \
	}

/* libmicrohttpd: lib/http. */
LAZY(mhd, enum MHD_Result, MHD_add_response_header,
     (struct MHD_Response * response, const char *header, const char *content),
     (response, header, content))
LAZY(mhd, char *, MHD_basic_auth_get_username_password,
     (struct MHD_Connection * connection, char **password), (connection, password))
LAZY(mhd, struct MHD_Response *, MHD_create_response_from_buffer,
     (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode))
LAZY(mhd, struct MHD_Response *, MHD_create_response_from_callback,
     (uint64_t size, size_t block_size, MHD_ContentReaderCallback crc, void *crc_cls,
      MHD_ContentReaderFreeCallback crfc),
     (size, block_size, crc, crc_cls, crfc))
LAZY_VOID(mhd, MHD_destroy_response, (struct MHD_Response * response), (response))
LAZY_VOID(mhd, MHD_free, (void *ptr), (ptr))
LAZY(mhd, int, MHD_get_connection_values,
     (struct MHD_Connection * connection, enum MHD_ValueKind kind, MHD_KeyValueIterator iterator,
      void *iterator_cls),
     (connection, kind, iterator, iterator_cls))
LAZY(mhd, enum MHD_Result, MHD_is_feature_supported, (enum MHD_FEATURE feature), (feature))
LAZY(mhd, const char *, MHD_lookup_connection_value,
     (struct MHD_Connection * connection, enum MHD_ValueKind kind, const char *key),
     (connection, kind, key))
LAZY(mhd, enum MHD_Result, MHD_queue_basic_auth_fail_response,
     (struct MHD_Connection * connection, const char *realm, struct MHD_Response *response),
     (connection, realm, response))
LAZY(mhd, enum MHD_Result, MHD_queue_response,
     (struct MHD_Connection * connection, unsigned int status_code, struct MHD_Response *response),
     (connection, status_code, response))
LAZY_VOID(mhd, MHD_resume_connection, (struct MHD_Connection * connection), (connection))
LAZY(mhd, enum MHD_Result, MHD_run_wait, (struct MHD_Daemon * daemon, int32_t millisec),
     (daemon, millisec))
LAZY_VOID(mhd, MHD_stop_daemon, (struct MHD_Daemon * daemon), (daemon))
LAZY_VOID(mhd, MHD_suspend_connection, (struct MHD_Connection * connection), (connection))

/* Variadic: the same options handed on as a va_list. */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
                                    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	LAZY_FN(mhd, MHD_start_daemon_va)
	struct MHD_Daemon *d;
	va_list ap;

	va_start(ap, dh_cls);
	d = f(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

/* flowzoo asks only for what needs no further argument (MHD_DAEMON_INFO_BIND_PORT). */
const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *daemon,
                                                enum MHD_DaemonInfoType info_type, ...)
{
	LAZY_FN(mhd, MHD_get_daemon_info)
	return f(daemon, info_type);
}

/* libpcap: app/flowzoo/pcapfiles.c, replay.c, captures.c. */
LAZY_VOID(pcap, pcap_close, (pcap_t * p), (p))
LAZY(pcap, int, pcap_datalink, (pcap_t * p), (p))
LAZY(pcap, const char *, pcap_datalink_val_to_name, (int dlt), (dlt))
LAZY(pcap, char *, pcap_geterr, (pcap_t * p), (p))
LAZY(pcap, int, pcap_next_ex, (pcap_t * p, struct pcap_pkthdr **h, const u_char **data),
     (p, h, data))
LAZY(pcap, pcap_t *, pcap_open_offline, (const char *path, char *errbuf), (path, errbuf))

#ifdef FZ_HAVE_KAFKA
/* librdkafka: lib/kafka. */
LAZY_VOID(kafka, rd_kafka_conf_destroy, (rd_kafka_conf_t * conf), (conf))
LAZY(kafka, rd_kafka_conf_t *, rd_kafka_conf_new, (void), ())
LAZY(kafka, rd_kafka_conf_res_t, rd_kafka_conf_set,
     (rd_kafka_conf_t * conf, const char *name, const char *value, char *errstr,
      size_t errstr_size),
     (conf, name, value, errstr, errstr_size))
LAZY_VOID(kafka, rd_kafka_conf_set_dr_msg_cb,
          (rd_kafka_conf_t * conf,
           void (*dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *rkmessage, void *opaque)),
          (conf, dr_msg_cb))
LAZY_VOID(kafka, rd_kafka_conf_set_error_cb,
          (rd_kafka_conf_t * conf,
           void (*error_cb)(rd_kafka_t *rk, int err, const char *reason, void *opaque)),
          (conf, error_cb))
LAZY_VOID(kafka, rd_kafka_conf_set_log_cb,
          (rd_kafka_conf_t * conf,
           void (*log_cb)(const rd_kafka_t *rk, int level, const char *fac, const char *buf)),
          (conf, log_cb))
LAZY_VOID(kafka, rd_kafka_conf_set_opaque, (rd_kafka_conf_t * conf, void *opaque), (conf, opaque))
LAZY_VOID(kafka, rd_kafka_conf_set_stats_cb,
          (rd_kafka_conf_t * conf,
           int (*stats_cb)(rd_kafka_t *rk, char *json, size_t json_len, void *opaque)),
          (conf, stats_cb))
LAZY_VOID(kafka, rd_kafka_destroy, (rd_kafka_t * rk), (rk))
LAZY(kafka, const char *, rd_kafka_err2name, (rd_kafka_resp_err_t err), (err))
LAZY(kafka, const char *, rd_kafka_err2str, (rd_kafka_resp_err_t err), (err))
LAZY(kafka, rd_kafka_resp_err_t, rd_kafka_flush, (rd_kafka_t * rk, int timeout_ms),
     (rk, timeout_ms))
LAZY(kafka, rd_kafka_resp_err_t, rd_kafka_last_error, (void), ())
LAZY(kafka, const char *, rd_kafka_mock_cluster_bootstraps,
     (const rd_kafka_mock_cluster_t *mcluster), (mcluster))
LAZY_VOID(kafka, rd_kafka_mock_cluster_destroy, (rd_kafka_mock_cluster_t * mcluster), (mcluster))
LAZY(kafka, rd_kafka_mock_cluster_t *, rd_kafka_mock_cluster_new, (rd_kafka_t * rk, int broker_cnt),
     (rk, broker_cnt))
LAZY(kafka, rd_kafka_resp_err_t, rd_kafka_mock_topic_create,
     (rd_kafka_mock_cluster_t * mcluster, const char *topic, int partition_cnt,
      int replication_factor),
     (mcluster, topic, partition_cnt, replication_factor))
LAZY(kafka, rd_kafka_t *, rd_kafka_new,
     (rd_kafka_type_t type, rd_kafka_conf_t *conf, char *errstr, size_t errstr_size),
     (type, conf, errstr, errstr_size))
LAZY(kafka, void *, rd_kafka_opaque, (const rd_kafka_t *rk), (rk))
LAZY(kafka, int, rd_kafka_outq_len, (rd_kafka_t * rk), (rk))
LAZY(kafka, int, rd_kafka_poll, (rd_kafka_t * rk, int timeout_ms), (rk, timeout_ms))
LAZY(kafka, int, rd_kafka_produce_batch,
     (rd_kafka_topic_t * rkt, int32_t partition, int msgflags, rd_kafka_message_t *rkmessages,
      int message_cnt),
     (rkt, partition, msgflags, rkmessages, message_cnt))
LAZY(kafka, rd_kafka_conf_res_t, rd_kafka_conf_get,
     (const rd_kafka_conf_t *conf, const char *name, char *dest, size_t *dest_size),
     (conf, name, dest, dest_size))
LAZY(kafka, rd_kafka_topic_conf_t *, rd_kafka_conf_get_default_topic_conf, (rd_kafka_conf_t * conf),
     (conf))
LAZY_VOID(kafka, rd_kafka_conf_set_default_topic_conf,
          (rd_kafka_conf_t * conf, rd_kafka_topic_conf_t *tconf), (conf, tconf))
LAZY(kafka, rd_kafka_topic_conf_t *, rd_kafka_topic_conf_new, (void), ())
LAZY(kafka, rd_kafka_topic_conf_t *, rd_kafka_default_topic_conf_dup, (rd_kafka_t * rk), (rk))
LAZY_VOID(kafka, rd_kafka_topic_conf_destroy, (rd_kafka_topic_conf_t * topic_conf), (topic_conf))
LAZY_VOID(kafka, rd_kafka_topic_conf_set_opaque, (rd_kafka_topic_conf_t * conf, void *rkt_opaque),
          (conf, rkt_opaque))
LAZY_VOID(kafka, rd_kafka_topic_conf_set_partitioner_cb,
          (rd_kafka_topic_conf_t * topic_conf,
           int32_t (*partitioner)(const rd_kafka_topic_t *rkt, const void *keydata, size_t keylen,
                                  int32_t partition_cnt, void *rkt_opaque, void *msg_opaque)),
          (topic_conf, partitioner))
/* The partitioners flowzoo groups messages with (lib/kafka/kafka_batch.c). */
#define LAZY_PARTITIONER(name)                                                                     \
	LAZY(kafka, int32_t, name,                                                                 \
	     (const rd_kafka_topic_t *rkt, const void *key, size_t keylen, int32_t partition_cnt,  \
	      void *rkt_opaque, void *msg_opaque),                                                 \
	     (rkt, key, keylen, partition_cnt, rkt_opaque, msg_opaque))
LAZY_PARTITIONER(rd_kafka_msg_partitioner_consistent_random)
LAZY_PARTITIONER(rd_kafka_msg_partitioner_murmur2_random)
LAZY_PARTITIONER(rd_kafka_msg_partitioner_fnv1a_random)
LAZY(kafka, int, rd_kafka_produce,
     (rd_kafka_topic_t * rkt, int32_t partition, int msgflags, void *payload, size_t len,
      const void *key, size_t keylen, void *msg_opaque),
     (rkt, partition, msgflags, payload, len, key, keylen, msg_opaque))
LAZY(kafka, rd_kafka_resp_err_t, rd_kafka_purge, (rd_kafka_t * rk, int purge_flags),
     (rk, purge_flags))
LAZY(kafka, rd_kafka_resp_err_t, rd_kafka_set_log_queue, (rd_kafka_t * rk, rd_kafka_queue_t *rkqu),
     (rk, rkqu))
LAZY_VOID(kafka, rd_kafka_topic_destroy, (rd_kafka_topic_t * rkt), (rkt))
LAZY(kafka, const char *, rd_kafka_topic_name, (const rd_kafka_topic_t *rkt), (rkt))
LAZY(kafka, rd_kafka_topic_t *, rd_kafka_topic_new,
     (rd_kafka_t * rk, const char *topic, rd_kafka_topic_conf_t *conf), (rk, topic, conf))
#endif
