// splitnet native helper: a handful of syscall wrappers for sockets bound to a network device.
// All policy (validation, DNS, racing, timeouts, error mapping) lives in TypeScript
// (src/native/binding.ts). Every failure throws an Error carrying `errno` and `syscall`.
#include <napi.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <net/if.h>
#include <netinet/in.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  Napi::Error e = Napi::Error::New(env, std::string(syscall) + " failed: " + std::strerror(err));
  e.Value().Set("errno", Napi::Number::New(env, err));
  e.Value().Set("syscall", Napi::String::New(env, syscall));
  return e;
}

int DomainOf(Napi::Env env, const Napi::Value& v) {
  int family = v.As<Napi::Number>().Int32Value();
  if (family == 4) return AF_INET;
  if (family == 6) return AF_INET6;
  throw Napi::TypeError::New(env, "family must be 4 or 6");
}

// openSocket(family: 4|6, type: 'tcp'|'udp', ifname: string): number
// socket(SOCK_NONBLOCK|SOCK_CLOEXEC) + setsockopt(SO_BINDTODEVICE). The fd is closed on failure.
Napi::Value OpenSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int domain = DomainOf(env, info[0]);
  std::string type = info[1].As<Napi::String>().Utf8Value();
  std::string ifname = info[2].As<Napi::String>().Utf8Value();
  int socktype;
  if (type == "tcp") socktype = SOCK_STREAM;
  else if (type == "udp") socktype = SOCK_DGRAM;
  else throw Napi::TypeError::New(env, "type must be 'tcp' or 'udp'");
  int fd = socket(domain, socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(env, errno, "socket");
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(),
                 static_cast<socklen_t>(ifname.size())) != 0) {
    int err = errno;
    close(fd);
    throw ErrnoError(env, err, "setsockopt");
  }
  return Napi::Number::New(env, fd);
}

// bindAddress(fd, family, address, port, reuseAddr: boolean, v6Only: boolean): void
Napi::Value BindAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int domain = DomainOf(env, info[1]);
  std::string address = info[2].As<Napi::String>().Utf8Value();
  int port = info[3].As<Napi::Number>().Int32Value();
  bool reuse = info[4].ToBoolean().Value();
  bool v6only = info[5].ToBoolean().Value();
  int one = 1;
  if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    throw ErrnoError(env, errno, "setsockopt");
  }
  if (domain == AF_INET6) {
    int flag = v6only ? 1 : 0;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &flag, sizeof flag) != 0) {
      throw ErrnoError(env, errno, "setsockopt");
    }
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, address.c_str(), &sa.sin6_addr) != 1) {
      throw ErrnoError(env, EINVAL, "inet_pton");
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      throw ErrnoError(env, errno, "bind");
    }
  } else {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) {
      throw ErrnoError(env, EINVAL, "inet_pton");
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      throw ErrnoError(env, errno, "bind");
    }
  }
  return env.Undefined();
}

// getBoundDevice(fd): string ('' when the socket is not bound to a device)
Napi::Value GetBoundDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  char name[IFNAMSIZ + 1] = {0};
  socklen_t len = IFNAMSIZ;
  if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len) != 0) {
    throw ErrnoError(env, errno, "getsockopt");
  }
  return Napi::String::New(env, name, strnlen(name, len));
}

// getInterfaceFlags(fd, ifname): number (IFF_* flags, read with SIOCGIFFLAGS in fd's namespace)
Napi::Value GetInterfaceFlags(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::string ifname = info[1].As<Napi::String>().Utf8Value();
  ifreq req{};
  if (ifname.size() >= IFNAMSIZ) throw ErrnoError(env, ENODEV, "ioctl");
  std::memcpy(req.ifr_name, ifname.c_str(), ifname.size());
  if (ioctl(fd, SIOCGIFFLAGS, &req) != 0) throw ErrnoError(env, errno, "ioctl");
  return Napi::Number::New(env, static_cast<uint16_t>(req.ifr_flags));
}

// closeFd(fd): void, for fds that were never handed to Node.
Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (close(fd) != 0) throw ErrnoError(env, errno, "close");
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("openSocket", Napi::Function::New(env, OpenSocket, "openSocket"));
  exports.Set("bindAddress", Napi::Function::New(env, BindAddress, "bindAddress"));
  exports.Set("getBoundDevice", Napi::Function::New(env, GetBoundDevice, "getBoundDevice"));
  exports.Set("getInterfaceFlags", Napi::Function::New(env, GetInterfaceFlags, "getInterfaceFlags"));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd, "closeFd"));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(splitnet_native, Init)
