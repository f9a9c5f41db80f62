// Fused libtorch operators that DJL 0.36 does not expose, called on DJL's own tensors.
// See dev.unmasked.nn.AtenOps (which compiles this file on first use) and docs/KNOWN_ISSUES.md.
//
// A DJL tensor handle is the address of a heap-allocated at::Tensor (DJL's JNI does
// `new torch::Tensor(...)` and later `delete`s it), and an at::Tensor is one pointer to its
// TensorImpl. The operators are called through their exported dispatcher entry points
// (at::_ops::NAME::call), so autograd records them as it records every op DJL calls, under the
// calling thread's grad mode. No libtorch header is needed: only these declarations, whose mangled
// names must equal the exported ones (a mismatch is a link error at load time, never a wrong call).
//
// Build: g++ -std=c++17 -O2 -shared -fPIC -I$JAVA_HOME/include -I$JAVA_HOME/include/linux \
//        -o libunmasked_aten.so aten_ops.cc $LIBTORCH/libtorch_cpu.so $LIBTORCH/libc10.so \
//        -Wl,-rpath,$LIBTORCH
#include <jni.h>

#include <cstdint>
#include <exception>
#include <optional>

namespace c10 {
// Only the exported, non-virtual member used below.
class TensorImpl {
 public:
  bool requires_grad() const;
};
}  // namespace c10

namespace at {
// Declared, never defined here: non-trivial copy and destructor make the C++ ABI return it through
// a hidden pointer, as the real class is returned. This file never copies or destroys one.
class Tensor {
 public:
  Tensor(const Tensor&);
  ~Tensor();

 private:
  void* impl_;
};

namespace _ops {
struct silu {
  static Tensor call(const Tensor& self);
};
struct group_norm {
  static Tensor call(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight,
                     const std::optional<Tensor>& bias, double eps, bool cudnn_enabled);
};
struct scaled_dot_product_attention {
  static Tensor call(const Tensor& query, const Tensor& key, const Tensor& value,
                     const std::optional<Tensor>& attn_mask, double dropout_p, bool is_causal,
                     std::optional<double> scale, bool enable_gqa);
};
}  // namespace _ops
}  // namespace at

namespace {

// The layout of libstdc++'s std::optional<at::Tensor>: the payload, then the engaged flag. Built by
// hand so that no at::Tensor is copied (no reference count is touched); the callee copies what it
// keeps with the real copy constructor.
struct OptionalTensor {
  void* impl;
  bool engaged;
};
static_assert(sizeof(OptionalTensor) == sizeof(std::optional<void*>), "optional layout");

const at::Tensor& tensor(jlong handle) { return *reinterpret_cast<const at::Tensor*>(handle); }

OptionalTensor optional_tensor(jlong handle) {
  if (handle == 0) return OptionalTensor{nullptr, false};
  return OptionalTensor{*reinterpret_cast<void* const*>(handle), true};
}

const std::optional<at::Tensor>& as_optional(const OptionalTensor& t) {
  return *reinterpret_cast<const std::optional<at::Tensor>*>(&t);
}

jlong handle_of(at::Tensor* t) { return static_cast<jlong>(reinterpret_cast<std::uintptr_t>(t)); }

void throw_java(JNIEnv* env, const char* what) {
  jclass cls = env->FindClass("java/lang/IllegalStateException");
  if (cls != nullptr) env->ThrowNew(cls, what);
}

}  // namespace

#define ATEN_TRY try {
#define ATEN_CATCH                                   \
  }                                                  \
  catch (const std::exception& e) {                  \
    throw_java(env, e.what());                       \
  }                                                  \
  catch (...) {                                      \
    throw_java(env, "libtorch threw an unknown error"); \
  }                                                  \
  return 0;

extern "C" {

JNIEXPORT jlong JNICALL Java_dev_unmasked_nn_AtenOps_silu0(JNIEnv* env, jclass, jlong x) {
  ATEN_TRY
  return handle_of(new at::Tensor(at::_ops::silu::call(tensor(x))));
  ATEN_CATCH
}

JNIEXPORT jlong JNICALL Java_dev_unmasked_nn_AtenOps_groupNorm0(JNIEnv* env, jclass, jlong x,
                                                                 jlong groups, jlong weight,
                                                                 jlong bias, jdouble eps) {
  ATEN_TRY
  OptionalTensor w = optional_tensor(weight);
  OptionalTensor b = optional_tensor(bias);
  return handle_of(new at::Tensor(
      at::_ops::group_norm::call(tensor(x), groups, as_optional(w), as_optional(b), eps, false)));
  ATEN_CATCH
}

JNIEXPORT jlong JNICALL Java_dev_unmasked_nn_AtenOps_sdpa0(JNIEnv* env, jclass, jlong q, jlong k,
                                                            jlong v, jdouble scale) {
  ATEN_TRY
  OptionalTensor none = optional_tensor(0);
  return handle_of(new at::Tensor(at::_ops::scaled_dot_product_attention::call(
      tensor(q), tensor(k), tensor(v), as_optional(none), 0.0, false, std::optional<double>(scale),
      false)));
  ATEN_CATCH
}

// Whether autograd tracks the tensor: a leaf that requires grad, or a result with a grad_fn (DJL
// 0.36's own requiresGrad answers false for the latter).
JNIEXPORT jboolean JNICALL Java_dev_unmasked_nn_AtenOps_requiresGrad0(JNIEnv* env, jclass,
                                                                       jlong x) {
  ATEN_TRY
  const c10::TensorImpl* impl = *reinterpret_cast<c10::TensorImpl* const*>(x);
  return impl->requires_grad() ? JNI_TRUE : JNI_FALSE;
  ATEN_CATCH
}

}  // extern "C"
