from setuptools import find_packages, setup

setup(
    name="hcc",
    version="0.1.0",
    description="A compiler from ONNX to plain C for microcontrollers (int8, static memory plan, selective-scan kernels)",
    python_requires=">=3.10",
    packages=find_packages(include=["hcc", "hcc.*"]),
    package_data={"hcc": ["ir/grammar.lark"]},
    install_requires=["numpy>=1.24", "onnx>=1.15", "jinja2>=3.1", "click>=8.1", "lark>=1.1", "tqdm>=4.60", "pillow>=9", "tflite>=2.18"],
    extras_require={
        # torch is only needed to train/export the models in models/; pin the CPU wheel.
        "models": ["torch==2.13.0", "onnxscript>=0.5"],
        "dev": ["onnxruntime>=1.17", "pytest>=7", "pytest-timeout>=2", "hypothesis>=6", "filecheck>=1.0"],
        "flash": ["esptool>=5,<6"],
        # TFLM's reference kernels, for `hcc verify/plan model.tflite` and the TFLM comparison tests.
        "reference": ["tflite-micro"],
    },
    entry_points={"console_scripts": ["hcc=hcc.cli:main"]},
)
