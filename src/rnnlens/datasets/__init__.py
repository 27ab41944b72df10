"""Built-in data and models: the seed document's three examples and the C-MAPSS demo."""

from rnnlens.datasets.cmapss import CmapssDataset as CmapssDataset
from rnnlens.datasets.cmapss import CmapssModels as CmapssModels
from rnnlens.datasets.cmapss import load_cmapss_fd001 as load_cmapss_fd001
from rnnlens.datasets.cmapss import load_cmapss_fd001_frame as load_cmapss_fd001_frame
from rnnlens.datasets.cmapss import load_demo_models as load_demo_models
