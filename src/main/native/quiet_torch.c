/*
 * Preloaded (LD_PRELOAD) by the launcher and the test run on Linux; see docs/KNOWN_ISSUES.md
 * ("libtorch's native warnings").
 *
 * libtorch (2.7.1, built without glog) prints LOG(WARNING) and TORCH_WARN messages straight to
 * stderr through c10::MessageLogger, which drops a message whose severity is below the global
 * FLAGS_caffe2_log_level (INFO 0, WARNING 1, ERROR 2, FATAL 3; default WARNING). Under Python,
 * torch sets it from TORCH_CPP_LOG_LEVEL (c10::initLogging); DJL never calls that, so the variable
 * has no effect and "Could not initialize NNPACK! Reason: Unsupported hardware." comes on every
 * convolution. libc10.so and libtorch_cpu.so read the flag through their GOT, so this preloaded
 * definition is the one they use: errors still print, warnings do not.
 *
 * Build: cc -O2 -shared -fPIC -nostdlib -o libunmasked_quiet_torch.so quiet_torch.c
 */
int FLAGS_caffe2_log_level = 2;
