#include "model/model.h"

namespace citadel::model {

Result<Model> Model::Load(const std::filesystem::path& path) {
  auto file = gguf::GgufFile::Open(path);
  if (!file) return file.error().Wrap(path.string());
  return FromFile(std::move(*file));
}

Result<Model> Model::FromFile(gguf::GgufFile file) {
  auto owned = std::make_unique<gguf::GgufFile>(std::move(file));
  CITADEL_ASSIGN_OR_RETURN(HParams hparams, ReadHParams(*owned));
  CITADEL_ASSIGN_OR_RETURN(Weights weights, BindWeights(*owned, hparams));
  PackedWeights packed = PackedWeights::Pack(weights, *owned);
  return Model(std::move(owned), std::move(hparams), std::move(weights), std::move(packed));
}

}  // namespace citadel::model
