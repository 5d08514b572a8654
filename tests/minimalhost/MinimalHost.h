// SPDX-License-Identifier: MIT
#pragma once

#include "MemoryScene.h"

#include <optiverse/ihost.h>

#include <QMainWindow>

/// A host written from interfaces/ alone (no host-stub code): a main window,
/// its menu bar and status bar, and a MemoryScene. Proves the contract is
/// enough to load and drive the plugin.
class MinimalHost : public Optiverse::IHost
{
public:
    MinimalHost();
    QMainWindow *mainWindow() const override { return m_window.get(); }
    void addMenu(QMenu *menu) override;
    void removeMenu(QMenu *menu) override;
    void addStatusWidget(QWidget *widget) override;
    void removeStatusWidget(QWidget *widget) override;
    Optiverse::IScene *scene() const override { return &m_scene; }

    MemoryScene &memoryScene() { return m_scene; }

private:
    std::unique_ptr<QMainWindow> m_window;
    mutable MemoryScene m_scene;
};
