/* This module implements maskclean/cnn.h: ONNX models run by OpenCV's DNN
 * module behind a C interface. It is the project's one C++ file; nothing
 * thrown by OpenCV crosses the interface: every entry point catches and turns
 * the exception into an mc_error naming the model file. It is built as the
 * loadable module maskclean-cnn.so (cnn_module.h), which exports only the
 * table of these functions; cnn_loader.c opens it on first use. */
#include "maskclean/cnn.h"
#include "maskclean/cnn_module.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/dnn/all_layers.hpp>

struct mc_cnn {
	cv::dnn::Net net;
	std::string path;
	std::string layer;   /* OpenCV's name of the layer read */
	std::string name;    /* the same as the user knows it (the ONNX node name) */
	int channels = 0;
	int size = 0;
	size_t dim = 0;
};

namespace {

/* OpenCV names a layer made from an ONNX node "onnx_node!<node name>". */
const char s_node_prefix[] = "onnx_node!";

std::string s_user_name(const std::string &layer)
{
	if (layer.compare(0, sizeof s_node_prefix - 1, s_node_prefix) == 0)
		return layer.substr(sizeof s_node_prefix - 1);
	return layer;
}

/* s with every span that starts with open, goes on to mid and ends with
 * the first close after it removed. */
std::string s_cut(std::string s, const std::string &open, const std::string &mid,
                  const std::string &close)
{
	size_t a = 0, m, b;

	while ((a = s.find(open, a)) != std::string::npos) {
		if ((m = s.find(mid, a + open.size())) == std::string::npos ||
		    (b = s.find(close, m + mid.size())) == std::string::npos)
			break;
		s.erase(a, b + close.size() - a);
	}
	return s;
}

/* OpenCV's message without its source locations, function names and line
 * breaks: "Can't create layer \"x\" of type \"Einsum\"". */
std::string s_reason(const cv::Exception &e)
{
	/* "OpenCV(4.6.0) ./modules/dnn/src/x.cpp:110: error: (-2:Unspecified error) "
	 * goes; an assertion keeps a word saying it is one. */
	std::string s = e.err, t;
	const std::string assert_tag = "(-215:Assertion failed) ";

	for (size_t a = s.find(assert_tag); a != std::string::npos;
	     a = s.find(assert_tag, a + assert_tag.size()))
		s.insert(a + assert_tag.size(), "assertion failed: ");
	s = s_cut(s_cut(s, "OpenCV(", ": error: (", ") "), " in function '", "", "'");
	if (e.code == cv::Error::StsAssert)
		s = "assertion failed: " + s;

	for (size_t i = 0; i < s.size(); i++) {
		char ch = s[i] == '\n' || s[i] == '\t' ? ' ' : s[i];
		if (s[i] == '>' && i > 0 && s[i - 1] == '\n')
			ch = ' ';
		if (ch != ' ' || (!t.empty() && t.back() != ' '))
			t += ch;
	}
	while (!t.empty() && t.back() == ' ')
		t.pop_back();
	return t;
}

/* The error of an import that threw e. OpenCV reports a node it cannot
 * import as "Node [Einsum@ai.onnx]:(onnx_node!mix) parse error: <why>". */
int s_import_error(mc_error *err, const std::string &path, const cv::Exception &e)
{
	std::string why = s_reason(e);
	size_t n = why.find("Node ["), at, close, name_end;

	if (why.find("Failed to parse ONNX model") != std::string::npos)
		return mc_error_set(err, MC_ERR_PARSE,
		                    "%s: not an ONNX model (OpenCV cannot parse it as an ONNX "
		                    "protobuf)", path.c_str());
	if (why.find("Can't read ONNX file") != std::string::npos)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot read the model file", path.c_str());
	if (n != std::string::npos && (at = why.find('@', n)) != std::string::npos &&
	    (close = why.find("]:(", at)) != std::string::npos &&
	    (name_end = why.find(") parse error: ", close)) != std::string::npos) {
		std::string op = why.substr(n + 6, at - n - 6);
		std::string domain = why.substr(at + 1, close - at - 1);
		std::string node = s_user_name(why.substr(close + 3, name_end - close - 3));
		std::string rest = why.substr(name_end + 15);

		if (!domain.empty() && domain != "ai.onnx")
			op += " (domain " + domain + ")";
		if (rest.find("Can't create layer") != std::string::npos)
			return mc_error_set(err, MC_ERR_INVALID,
			                    "%s: node '%s' uses the operator %s, which OpenCV %s's DNN "
			                    "module does not support", path.c_str(), node.c_str(),
			                    op.c_str(), CV_VERSION);
		return mc_error_set(err, MC_ERR_INVALID, "%s: node '%s' (operator %s): OpenCV %s cannot "
		                    "import it: %s", path.c_str(), node.c_str(), op.c_str(),
		                    CV_VERSION, rest.c_str());
	}
	return mc_error_set(err, MC_ERR_INVALID, "%s: OpenCV %s cannot import the model: %s",
	                    path.c_str(), CV_VERSION, why.c_str());
}

std::string s_shape_text(const cv::dnn::MatShape &s)
{
	std::string t;

	for (size_t i = 1; i < s.size(); i++)
		t += (i > 1 ? " x " : "") + std::to_string(s[i]);
	return t.empty() ? "scalar" : t;
}

/* Every layer of net (id 0, the input, left out) with its output shape for
 * a batch of one image of shape in. Throws cv::Exception when the shapes do
 * not propagate (the input is not such an image). */
struct s_layers {
	std::vector<int> ids;
	std::vector<cv::dnn::MatShape> out;
};

s_layers s_shapes(const cv::dnn::Net &net, const cv::dnn::MatShape &in)
{
	std::vector<std::vector<cv::dnn::MatShape>> ins, outs;
	s_layers l;
	std::vector<int> ids;

	net.getLayersShapes(in, ids, ins, outs);
	for (size_t i = 0; i < ids.size(); i++) {
		if (ids[i] == 0)
			continue;
		l.ids.push_back(ids[i]);
		l.out.push_back(outs[i].empty() ? cv::dnn::MatShape() : outs[i][0]);
	}
	return l;
}

/* The layers that read the network's input, in order. */
std::vector<cv::Ptr<cv::dnn::Layer>> s_first_layers(cv::dnn::Net &net)
{
	cv::Ptr<cv::dnn::Layer> input = net.getLayer(0);
	std::vector<cv::Ptr<cv::dnn::Layer>> first;

	for (const std::string &name : net.getLayerNames()) {
		int id = net.getLayerId(name);
		for (const cv::Ptr<cv::dnn::Layer> &from : net.getLayerInputs(id))
			if (from.get() == input.get()) {
				first.push_back(net.getLayer(id));
				break;
			}
	}
	return first;
}

/* The input channels of the first convolution that reads the network's
 * input, or 0 when no convolution reads it directly. */
int s_conv_channels(const std::vector<cv::Ptr<cv::dnn::Layer>> &first)
{
	for (const cv::Ptr<cv::dnn::Layer> &l : first)
		if (l->type == "Convolution" && !l->blobs.empty() && l->blobs[0].dims == 4)
			return l->blobs[0].size[1];
	return 0;
}

bool s_is_global_average(const cv::Ptr<cv::dnn::Layer> &l)
{
	cv::Ptr<cv::dnn::PoolingLayer> p = l.dynamicCast<cv::dnn::PoolingLayer>();

	if (p.empty() || p->type != 1 /* AVE */ || !p->globalPooling)
		return false;
	return std::all_of(p->isGlobalPooling.begin(), p->isGlobalPooling.end(),
	                   [](bool g) { return g; });
}

/* "'name' (2048 x 1 x 1), ..." for layers at positions idx of l. */
std::string s_list(const cv::dnn::Net &net, const s_layers &l, const std::vector<size_t> &idx)
{
	std::string t;

	for (size_t k = 0; k < idx.size(); k++) {
		cv::Ptr<cv::dnn::Layer> layer = net.getLayer(l.ids[idx[k]]);
		t += (k > 0 ? ", '" : "'") + s_user_name(layer->name) + "' (" + layer->type + ", " +
		     s_shape_text(l.out[idx[k]]) + ")";
	}
	return t;
}

/* The last few layers, for messages that ask the user to pick one. */
std::vector<size_t> s_tail(const s_layers &l)
{
	std::vector<size_t> idx;

	for (size_t i = l.ids.size() > 6 ? l.ids.size() - 6 : 0; i < l.ids.size(); i++)
		idx.push_back(i);
	return idx;
}

/* The position in l of the layer to read: the one named want, or the global
 * average pool that no other global average pool follows. */
int s_pick_output(size_t *pos, mc_cnn *c, const s_layers &l, const char *want, mc_error *err)
{
	const cv::dnn::Net &net = c->net;

	if (want != NULL) {
		for (size_t i = 0; i < l.ids.size(); i++) {
			std::string name = net.getLayer(l.ids[i])->name;
			if (name == want || s_user_name(name) == want) {
				*pos = i;
				return 0;
			}
		}
		return mc_error_set(err, MC_ERR_NOTFOUND,
		                    "%s: no layer named '%s'; the last layers are %s", c->path.c_str(),
		                    want, s_list(net, l, s_tail(l)).c_str());
	}
	std::vector<size_t> pools, last;
	for (size_t i = 0; i < l.ids.size(); i++)
		if (s_is_global_average(net.getLayer(l.ids[i])))
			pools.push_back(i);
	if (pools.empty())
		return mc_error_set(err, MC_ERR_INVALID,
		                    "%s: no global average pool to read the embedding from; pass "
		                    "output= one of the last layers: %s", c->path.c_str(),
		                    s_list(net, l, s_tail(l)).c_str());
	/* Layer ids follow the ONNX node order, which is topological: walk each
	 * pool's ancestors and drop the pools found there. */
	std::vector<char> before(l.ids.size(), 0);
	for (size_t p : pools) {
		std::vector<int> stack(1, l.ids[p]);
		std::vector<char> seen(l.ids.size() + 1, 0);
		while (!stack.empty()) {
			int id = stack.back();
			stack.pop_back();
			for (const cv::Ptr<cv::dnn::Layer> &from : net.getLayerInputs(id)) {
				int fid = net.getLayerId(from->name);
				auto it = std::find(l.ids.begin(), l.ids.end(), fid);
				if (it == l.ids.end())
					continue;
				size_t k = (size_t)(it - l.ids.begin());
				if (!seen[k]) {
					seen[k] = 1;
					before[k] = 1;
					stack.push_back(fid);
				}
			}
		}
	}
	for (size_t p : pools)
		if (!before[p])
			last.push_back(p);
	if (last.size() != 1)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "%s: %zu global average pools end separate branches, so which one "
		                    "gives the embedding is unclear: %s; pass output= one of them",
		                    c->path.c_str(), last.size(), s_list(net, l, last).c_str());
	*pos = last[0];
	return 0;
}

/* OpenCV's reason, shortened for a message that says more before it. */
std::string s_short(const std::string &why)
{
	return why.size() <= 160 ? why : why.substr(0, 157) + "...";
}

int s_load(mc_cnn *c, int size, const char *output, mc_error *err)
{
	int conv_c, ch;
	s_layers l;
	size_t pos = 0;

	try {
		c->net = cv::dnn::readNetFromONNX(c->path);
	} catch (const cv::Exception &e) {
		return s_import_error(err, c->path, e);
	}
	if (c->net.empty())
		return mc_error_set(err, MC_ERR_INVALID, "%s: the model has no layers", c->path.c_str());
	/* The channels: the first convolution's, else colour. */
	std::vector<cv::Ptr<cv::dnn::Layer>> first = s_first_layers(c->net);
	conv_c = s_conv_channels(first);
	ch = conv_c != 0 ? conv_c : 3;
	if (ch != 1 && ch != 3)
		return mc_error_set(err, MC_ERR_INVALID,
		                    "%s: the model takes %d-channel images; maskclean gives it 1 (gray) "
		                    "or 3 (RGB)", c->path.c_str(), ch);
	/* Shape inference alone lets some non-image inputs through (a vector
	 * model flattens the image): one forward of a black image at load
	 * proves that the network runs on images of this size (and sets it up,
	 * as the first forward would). */
	const std::string not_image = c->path + ": the model's input is not an image tensor of " +
	                              std::to_string(size) + " x " + std::to_string(size) +
	                              " pixels (n x " + std::to_string(ch) + " x " +
	                              std::to_string(size) + " x " + std::to_string(size) + ")" +
	                              (first.empty() ? std::string()
	                                             : "; it goes to '" + s_user_name(first[0]->name) +
	                                               "' (" + first[0]->type + ")");
	try {
		int shape[4] = { 1, ch, size, size };
		l = s_shapes(c->net, cv::dnn::MatShape{ 1, ch, size, size });
		c->net.setInput(cv::Mat(4, shape, CV_32F, cv::Scalar(0)));
		c->net.forward();
	} catch (const cv::Exception &e) {
		return mc_error_set(err, MC_ERR_INVALID, "%s; if it takes images of another size, "
		                    "pass size= (OpenCV: %s)", not_image.c_str(),
		                    s_short(s_reason(e)).c_str());
	}
	int rc = s_pick_output(&pos, c, l, output, err);
	if (rc != 0)
		return rc;
	c->layer = c->net.getLayer(l.ids[pos])->name;
	c->name = s_user_name(c->layer);
	c->channels = ch;
	c->size = size;
	c->dim = 1;
	for (size_t i = 1; i < l.out[pos].size(); i++)
		c->dim *= (size_t)l.out[pos][i];
	if (l.out[pos].size() < 2 || c->dim == 0)
		return mc_error_set(err, MC_ERR_INVALID, "%s: layer '%s' gives %s, not features of "
		                    "each image", c->path.c_str(), c->name.c_str(),
		                    s_shape_text(l.out[pos]).c_str());
	return 0;
}

}  // namespace

extern "C" int mc_cnn_load(mc_cnn **out, const char *path, int size, const char *output,
                           mc_error *err)
{
	mc_cnn *c = NULL;
	FILE *f;
	int rc;

	*out = NULL;
	if (size < 8 || size > 4096)
		return mc_error_set(err, MC_ERR_INVALID, "%s: image size %d; expected 8..4096", path,
		                    size);
	f = fopen(path, "rb");
	if (f == NULL)
		return mc_error_set(err, MC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	fclose(f);
	try {
		/* OpenCV's own log lines would repeat, on the kernel's stderr, the
		 * errors this module returns. */
		static std::once_flag quiet;
		std::call_once(quiet, [] {
			cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
		});
		c = new mc_cnn;
		c->path = path;
		rc = s_load(c, size, output, err);
	} catch (const std::bad_alloc &) {
		rc = mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory", path);
	} catch (const cv::Exception &e) {
		rc = mc_error_set(err, MC_ERR_INVALID, "%s: %s", path, s_reason(e).c_str());
	} catch (const std::exception &e) {
		rc = mc_error_set(err, MC_ERR_INVALID, "%s: %s", path, e.what());
	}
	if (rc != 0) {
		delete c;
		return rc;
	}
	*out = c;
	return 0;
}

extern "C" void mc_cnn_free(mc_cnn *cnn)
{
	delete cnn;
}

extern "C" int mc_cnn_channels(const mc_cnn *cnn) { return cnn->channels; }
extern "C" int mc_cnn_size(const mc_cnn *cnn) { return cnn->size; }
extern "C" size_t mc_cnn_dim(const mc_cnn *cnn) { return cnn->dim; }
extern "C" const char *mc_cnn_output(const mc_cnn *cnn) { return cnn->name.c_str(); }

extern "C" int mc_cnn_forward(mc_cnn *cnn, float *out, const float *in, size_t n,
                              mc_error *err)
{
	if (n == 0)
		return 0;
	try {
		int shape[4] = { (int)n, cnn->channels, cnn->size, cnn->size };
		cv::Mat blob(4, shape, CV_32F, const_cast<float *>(in));
		cv::Mat o;

		cnn->net.setInput(blob);
		o = cnn->net.forward(cnn->layer);
		if (o.type() != CV_32F || o.total() != n * cnn->dim)
			return mc_error_set(err, MC_ERR_SHAPE,
			                    "%s: layer '%s' gave %zu numbers for %zu images, expected %zu "
			                    "each", cnn->path.c_str(), cnn->name.c_str(), (size_t)o.total(),
			                    n, cnn->dim);
		if (o.isContinuous()) {
			memcpy(out, o.ptr<float>(), n * cnn->dim * sizeof *out);
		} else {
			cv::Mat flat = o.clone();
			memcpy(out, flat.ptr<float>(), n * cnn->dim * sizeof *out);
		}
	} catch (const std::bad_alloc &) {
		return mc_error_set(err, MC_ERR_NOMEM, "%s: out of memory for a batch of %zu", cnn->path.c_str(), n);
	} catch (const cv::Exception &e) {
		return mc_error_set(err, MC_ERR_INVALID, "%s: %s", cnn->path.c_str(), s_reason(e).c_str());
	} catch (const std::exception &e) {
		return mc_error_set(err, MC_ERR_INVALID, "%s: %s", cnn->path.c_str(), e.what());
	}
	return 0;
}

extern "C" int mc_cnn_set_threads(int n)
{
	int prev = cv::getNumThreads();

	cv::setNumThreads(n);
	return prev;
}

extern "C" const char *mc_cnn_engine_version(void)
{
	return CV_VERSION;
}

extern "C" __attribute__((visibility("default"))) const mc_cnn_module *mc_cnn_module_get(void)
{
	static const mc_cnn_module table = {
		MC_CNN_MODULE_VERSION, mc_cnn_load, mc_cnn_free, mc_cnn_channels, mc_cnn_size,
		mc_cnn_dim, mc_cnn_output, mc_cnn_forward, mc_cnn_set_threads, mc_cnn_engine_version
	};
	return &table;
}
