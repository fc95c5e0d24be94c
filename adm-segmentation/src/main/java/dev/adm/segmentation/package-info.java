/**
 * Semantic segmentation task: heads on zoo backbones, segmentation data and mIoU, and the dense
 * distillation methods (pixel KD, CWD, AKD, RDD, ADM). Not built yet: it arrives with issue 6; the
 * module exists so that the dependency layout (core <- models <- segmentation <- cli) is fixed now.
 */
package dev.adm.segmentation;
