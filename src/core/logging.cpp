#include "lumina/core/logging.hpp"

#include <cstdlib>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace lumina {

void init_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("luminad");
  // journald stamps every line itself; JOURNAL_STREAM tells us stderr goes there.
  if (std::getenv("JOURNAL_STREAM") != nullptr) {
    logger->set_pattern("<%l> %v");
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%^%l%$] %v");
  }
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

}  // namespace lumina
