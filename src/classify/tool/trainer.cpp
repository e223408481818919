#include "trainer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

namespace lumina {
namespace {

// Adam state for one parameter array.
struct Adam {
  std::vector<double> m, v;
  explicit Adam(std::size_t n) : m(n, 0.0), v(n, 0.0) {}
  void step(std::vector<float>& param, const std::vector<double>& grad, double lr, std::size_t t) {
    constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double c1 = 1.0 - std::pow(b1, static_cast<double>(t));
    const double c2 = 1.0 - std::pow(b2, static_cast<double>(t));
    for (std::size_t i = 0; i < param.size(); ++i) {
      m[i] = b1 * m[i] + (1 - b1) * grad[i];
      v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i];
      param[i] -= static_cast<float>(lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps));
    }
  }
};

}  // namespace

ClassifierModel train_model(const std::vector<LabelledWindow>& data, const std::vector<std::string>& labels,
                            const TrainSettings& s) {
  std::vector<const LabelledWindow*> train;
  for (const auto& w : data) {
    if (!w.held_out) train.push_back(&w);
  }
  if (train.empty()) throw std::runtime_error("no training windows");
  const std::size_t F = kFeatureCount, H = s.hidden, L = labels.size();

  // Standardisation from the training set only.
  std::vector<float> mean(F, 0.0F), stddev(F, 1.0F);
  for (std::size_t f = 0; f < F; ++f) {
    double sum = 0, sq = 0;
    for (const auto* w : train) {
      sum += w->features[f];
      sq += static_cast<double>(w->features[f]) * w->features[f];
    }
    const double m = sum / static_cast<double>(train.size());
    const double var = std::max(0.0, sq / static_cast<double>(train.size()) - m * m);
    mean[f] = static_cast<float>(m);
    stddev[f] = static_cast<float>(std::max(1e-3, std::sqrt(var)));
  }
  std::vector<std::vector<float>> x(train.size(), std::vector<float>(F));
  for (std::size_t i = 0; i < train.size(); ++i) {
    for (std::size_t f = 0; f < F; ++f) {
      x[i][f] = std::clamp((train[i]->features[f] - mean[f]) / stddev[f], -20.0F, 20.0F);
    }
  }
  // Class weights: every label counts the same however many windows it has.
  std::vector<double> count(L, 0.0), weight(L, 0.0);
  for (const auto* w : train) count[w->label] += 1.0;
  for (std::size_t c = 0; c < L; ++c) {
    weight[c] = count[c] > 0 ? static_cast<double>(train.size()) / (static_cast<double>(L) * count[c]) : 0.0;
  }

  std::mt19937 rng(s.seed);
  std::normal_distribution<float> normal(0.0F, 1.0F);
  std::vector<float> w1(H * F), b1(H, 0.0F), w2(L * H), b2(L, 0.0F);
  for (auto& v : w1) v = normal(rng) * static_cast<float>(std::sqrt(2.0 / static_cast<double>(F)));
  for (auto& v : w2) v = normal(rng) * static_cast<float>(std::sqrt(1.0 / static_cast<double>(H)));
  Adam a_w1(w1.size()), a_b1(b1.size()), a_w2(w2.size()), a_b2(b2.size());
  std::vector<double> g_w1(w1.size()), g_b1(b1.size()), g_w2(w2.size()), g_b2(b2.size());
  std::vector<float> hidden(H), out(L);
  std::vector<double> d_out(L), d_hidden(H);
  std::vector<std::size_t> order(train.size());
  std::iota(order.begin(), order.end(), 0);
  std::size_t t = 0;
  for (std::size_t epoch = 0; epoch < s.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    // Cosine decay of the learning rate over the run.
    const double lr = s.learning_rate * 0.5 *
                      (1.0 + std::cos(3.14159265358979 * static_cast<double>(epoch) / static_cast<double>(s.epochs)));
    for (std::size_t start = 0; start < order.size(); start += s.batch) {
      const std::size_t end = std::min(order.size(), start + s.batch);
      std::fill(g_w1.begin(), g_w1.end(), 0.0);
      std::fill(g_b1.begin(), g_b1.end(), 0.0);
      std::fill(g_w2.begin(), g_w2.end(), 0.0);
      std::fill(g_b2.begin(), g_b2.end(), 0.0);
      for (std::size_t k = start; k < end; ++k) {
        const std::vector<float>& xi = x[order[k]];
        const std::size_t y = train[order[k]]->label;
        for (std::size_t h = 0; h < H; ++h) {
          double acc = b1[h];
          for (std::size_t f = 0; f < F; ++f) acc += static_cast<double>(w1[h * F + f]) * xi[f];
          hidden[h] = static_cast<float>(std::max(0.0, acc));
        }
        double top = -1e300;
        for (std::size_t c = 0; c < L; ++c) {
          double acc = b2[c];
          for (std::size_t h = 0; h < H; ++h) acc += static_cast<double>(w2[c * H + h]) * hidden[h];
          out[c] = static_cast<float>(acc);
          top = std::max(top, acc);
        }
        double sum = 0;
        for (std::size_t c = 0; c < L; ++c) sum += std::exp(out[c] - top);
        for (std::size_t c = 0; c < L; ++c) {
          const double p = std::exp(out[c] - top) / sum;
          d_out[c] = weight[y] * (p - (c == y ? 1.0 : 0.0));
        }
        std::fill(d_hidden.begin(), d_hidden.end(), 0.0);
        for (std::size_t c = 0; c < L; ++c) {
          g_b2[c] += d_out[c];
          for (std::size_t h = 0; h < H; ++h) {
            g_w2[c * H + h] += d_out[c] * hidden[h];
            d_hidden[h] += d_out[c] * w2[c * H + h];
          }
        }
        for (std::size_t h = 0; h < H; ++h) {
          if (hidden[h] <= 0.0F) continue;
          g_b1[h] += d_hidden[h];
          for (std::size_t f = 0; f < F; ++f) g_w1[h * F + f] += d_hidden[h] * xi[f];
        }
      }
      const double n = static_cast<double>(end - start);
      for (std::size_t i = 0; i < g_w1.size(); ++i) g_w1[i] = g_w1[i] / n + s.l2 * w1[i];
      for (auto& g : g_b1) g /= n;
      for (std::size_t i = 0; i < g_w2.size(); ++i) g_w2[i] = g_w2[i] / n + s.l2 * w2[i];
      for (auto& g : g_b2) g /= n;
      ++t;
      a_w1.step(w1, g_w1, lr, t);
      a_b1.step(b1, g_b1, lr, t);
      a_w2.step(w2, g_w2, lr, t);
      a_b2.step(b2, g_b2, lr, t);
    }
  }
  std::vector<ClassifierModel::Layer> layers(2);
  layers[0] = {F, H, ClassifierModel::Activation::kRelu, w1, b1};
  layers[1] = {H, L, ClassifierModel::Activation::kSoftmax, w2, b2};
  return ClassifierModel(s.name, s.version, labels, mean, stddev, std::move(layers));
}

Evaluation evaluate(ClassifierModel& model, const std::vector<LabelledWindow>& data, bool held_out) {
  Evaluation e;
  const std::size_t L = model.label_count();
  e.confusion.assign(L, std::vector<std::size_t>(L, 0));
  std::vector<float> p(L);
  for (const auto& w : data) {
    if (w.held_out != held_out) continue;
    const std::size_t predicted = model.infer(w.features, p);
    ++e.confusion[w.label][predicted];
    ++e.total;
    if (predicted == w.label) ++e.correct;
  }
  return e;
}

}  // namespace lumina
