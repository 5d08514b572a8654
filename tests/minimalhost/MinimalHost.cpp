// SPDX-License-Identifier: MIT
#include "MinimalHost.h"

#include <QMenu>
#include <QMenuBar>
#include <QStatusBar>

MinimalHost::MinimalHost()
    : m_window(std::make_unique<QMainWindow>())
{
    m_window->menuBar()->addMenu(QStringLiteral("&File"));
    m_window->statusBar();
}

void MinimalHost::addMenu(QMenu *menu)
{
    m_window->menuBar()->addMenu(menu);
}

void MinimalHost::removeMenu(QMenu *menu)
{
    m_window->menuBar()->removeAction(menu->menuAction());
}

void MinimalHost::addStatusWidget(QWidget *widget)
{
    m_window->statusBar()->addPermanentWidget(widget);
}

void MinimalHost::removeStatusWidget(QWidget *widget)
{
    // removeWidget() only hides it: detach it too, so the status bar never
    // deletes a widget the plugin owns (and may already have deleted).
    m_window->statusBar()->removeWidget(widget);
    widget->setParent(nullptr);
}
