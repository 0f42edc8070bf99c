/* A convolutional network read from an ONNX file and run on the CPU by
 * OpenCV's DNN module (runtime/cnn.cpp, the project's one C++ file: OpenCV 4
 * has only a C++ API). The rest of maskclean sees this C interface.
 *
 * The network takes a batch of square images, n x channels x size x size
 * float32 in NCHW order, already normalised (see maskclean/embed.h), and
 * gives n x dim features read from one layer: by default the network's
 * global average pool (2048 numbers for ResNet50), or the layer named by the
 * caller.
 *
 * OpenCV 4.6 does not keep the input shape an ONNX file declares, so the
 * caller says the image side (224 for torchvision's ImageNet models); the
 * channel count (1 or 3) is read from the first convolution's weights.
 *
 * Messages name the model file as the caller spelled it, e.g.
 *   "m.onnx: node 'head' uses the operator Einsum, which OpenCV 4.6.0's DNN
 *    module does not support"
 * A handle is used by one thread at a time; two handles (two loads of the
 * same file) run in parallel. */
#ifndef MASKCLEAN_CNN_H
#define MASKCLEAN_CNN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "maskclean/error.h"

typedef struct mc_cnn mc_cnn;

/* Loads the ONNX model at path for size x size images (size in 8..4096) and
 * picks the layer to read: output names a layer (the ONNX node name as
 * Netron shows it, e.g. "/avgpool/GlobalAveragePool"), or is NULL for the
 * global average pool: the one no other global average pool follows. Caller
 * owns *out; free with mc_cnn_free. Fails with
 *   MC_ERR_IO       the file is missing or cannot be read;
 *   MC_ERR_PARSE    the file is not an ONNX model;
 *   MC_ERR_INVALID  an operator OpenCV does not support (the message names
 *                   it and its node), an input that is not a batch of 1- or
 *                   3-channel size x size images, an unknown output layer,
 *                   or no single global average pool (the message lists the
 *                   candidate layers with their shapes);
 *   MC_ERR_NOMEM. */
int mc_cnn_load(mc_cnn **out, const char *path, int size, const char *output, mc_error *err);

/* Frees cnn; cnn may be NULL. */
void mc_cnn_free(mc_cnn *cnn);

/* The colour channels the network takes: 1 (gray) or 3 (RGB). */
int mc_cnn_channels(const mc_cnn *cnn);

/* The image side given to mc_cnn_load. */
int mc_cnn_size(const mc_cnn *cnn);

/* The number of features per image: the product of the output layer's
 * dimensions after the batch dimension. */
size_t mc_cnn_dim(const mc_cnn *cnn);

/* The name of the layer read (the ONNX node name); borrowed, valid while cnn
 * lives. */
const char *mc_cnn_output(const mc_cnn *cnn);

/* Runs n images (in: n x channels x size x size floats, NCHW) and writes
 * n x mc_cnn_dim floats to out. Fails with MC_ERR_INVALID (OpenCV's error,
 * naming the model file), MC_ERR_NOMEM. */
int mc_cnn_forward(mc_cnn *cnn, float *out, const float *in, size_t n, mc_error *err);

/* Sets the threads OpenCV's own pool may use inside one forward, for the
 * whole process: 0 runs each forward in its calling thread (what maskclean
 * does, with one handle per worker thread). Returns the previous setting,
 * for restoring it. */
int mc_cnn_set_threads(int n);

/* OpenCV's version, e.g. "4.6.0". Static. */
const char *mc_cnn_engine_version(void);

#ifdef __cplusplus
}
#endif

#endif
