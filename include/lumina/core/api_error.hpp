#pragma once
// A refusal the API reports to the client: the HTTP status, a machine-readable
// code and a message that says what was wrong and what to do. Thrown by the
// store and the services, rendered by the server as
// {"ok":false,"error":code,"message":…} with that status. One type for every
// layer, so a store error crosses into the server without being translated.
#include <stdexcept>
#include <string>
#include <utility>

namespace lumina {

class ApiError : public std::runtime_error {
 public:
  ApiError(unsigned status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  unsigned status() const noexcept { return status_; }
  const std::string& code() const noexcept { return code_; }

 private:
  unsigned status_;
  std::string code_;
};

}  // namespace lumina
