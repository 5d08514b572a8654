// SPDX-License-Identifier: MIT
#include "HostMainWindow.h"

#include "EditingOverlay.h"
#include "HostScene.h"
#include "OpticalItem.h"
#include "PluginManager.h"
#include "PluginManagerDialog.h"
#include "PresenceOverlay.h"
#include "PropertiesDialog.h"
#include "ViewNavigator.h"

#include <optiverse/iplugin.h>
#include <optiverse/ieditinghost.h>
#include <optiverse/ipresencehost.h>
#include <optiverse/iviewhost.h>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QGraphicsView>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QSet>
#include <QUndoStack>

using Optiverse::ChangeOrigin;

HostMainWindow::HostMainWindow(QWidget *parent)
    : QMainWindow(parent),
      m_scene(new HostScene(this)),
      m_view(new QGraphicsView(m_scene->graphicsScene(), this)),
      m_presence(new PresenceOverlay(m_scene, m_view, this)),
      m_editing(new EditingOverlay(m_scene, this)),
      m_navigator(new ViewNavigator(m_scene, m_view, this)),
      m_plugins(new PluginManager(this, this))
{
    setWindowTitle(tr("Optiverse Host Stub"));
    resize(1000, 700);
    m_view->setDragMode(QGraphicsView::RubberBandDrag);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->scale(3.0, 3.0); // 1 mm = 3 px: optics are ~25 mm
    m_view->centerOn(0, 0);
    setCentralWidget(m_view);
    createMenus();
    statusBar()->showMessage(tr("Ready"), 2000);

    // Skip repaint work while a plugin loads a large scene.
    connect(m_scene, &HostScene::bulkChangeStarted, this, [this] { m_view->setUpdatesEnabled(false); });
    connect(m_scene, &HostScene::bulkChangeFinished, this, [this] { m_view->setUpdatesEnabled(true); });
    // Overlays belong to the plugin that drew them.
    connect(m_plugins, &PluginManager::pluginUnloaded, m_presence, &PresenceOverlay::clearAll);
    connect(m_plugins, &PluginManager::pluginUnloaded, m_editing, &EditingOverlay::clearRemoteEditing);
    connect(m_plugins, &PluginManager::pluginUnloaded, this, [this] { m_navigator->setViewIndicator({}, {}); });
    connect(m_plugins, &PluginManager::pluginUnloaded, this, &HostMainWindow::forgetUnloadedPlugins);
    // Disabling a plugin that others depend on (e.g. its in-process server) asks first.
    m_plugins->setDisableGuard([this](Optiverse::IPlugin *plugin) { return confirmLeaving(shutdownWarnings(plugin)); });
    m_confirm = [this](const QStringList &warnings) {
        return QMessageBox::question(this, tr("End the session for others?"),
                                     warnings.join(QLatin1Char('\n')) + QStringLiteral("\n\n") + tr("Continue anyway?"),
                                     QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            == QMessageBox::Yes;
    };
    connect(m_scene->graphicsScene(), &QGraphicsScene::selectionChanged, this, &HostMainWindow::updateActions);
    updateActions();
}

HostMainWindow::~HostMainWindow()
{
    // Plugins first (they may still call IHost), then overlays, then the scene.
    m_plugins->shutdownAll();
    delete m_propertiesDialog;
    delete m_presence;
    m_presence = nullptr;
    delete m_editing;
    m_editing = nullptr;
    delete m_navigator;
    m_navigator = nullptr;
    // The scene goes before QWidget's child cleanup: removing its items emits
    // selectionChanged, which must not reach this half-destroyed window.
    disconnect(m_scene->graphicsScene(), nullptr, this, nullptr);
    m_view->setScene(nullptr);
    delete m_scene;
    m_scene = nullptr;
    const QList<QWidget *> leftovers = m_statusWidgetParents.keys();
    for (QWidget *widget : leftovers)
        removeStatusWidget(widget); // a plugin that forgot: don't delete its widget
}

void HostMainWindow::closeEvent(QCloseEvent *event)
{
    if (!confirmLeaving(shutdownWarnings())) {
        event->ignore();
        return;
    }
    emit aboutToShutDownPlugins();
    m_plugins->shutdownAll();
    QMainWindow::closeEvent(event);
}

void HostMainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *undo = m_scene->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction *redo = m_scene->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    // Through the scene, so IUndoHost guards review each step (the actions
    // keep following the stack's texts and states).
    disconnect(undo, &QAction::triggered, m_scene->undoStack(), nullptr);
    disconnect(redo, &QAction::triggered, m_scene->undoStack(), nullptr);
    connect(undo, &QAction::triggered, m_scene, &HostScene::undo);
    connect(redo, &QAction::triggered, m_scene, &HostScene::redo);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    m_deleteAction = edit->addAction(tr("&Delete"), this, &HostMainWindow::deleteSelection);
    m_deleteAction->setShortcuts({QKeySequence::Delete, QKeySequence(Qt::Key_Backspace)});
    m_deleteAction->setShortcutContext(Qt::WindowShortcut);
    m_propertiesAction = edit->addAction(tr("Edit &Properties…"), this, &HostMainWindow::editProperties);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *zoomIn = view->addAction(tr("Zoom &In"), this, [this] { m_navigator->zoomBy(1.25); });
    zoomIn->setShortcut(QKeySequence::ZoomIn);
    QAction *zoomOut = view->addAction(tr("Zoom &Out"), this, [this] { m_navigator->zoomBy(0.8); });
    zoomOut->setShortcut(QKeySequence::ZoomOut);

    QMenu *insert = menuBar()->addMenu(tr("&Insert"));
    const QList<QPair<QString, QString>> types{
        {QStringLiteral("source"), tr("&Source")},   {QStringLiteral("lens"), tr("&Lens")},
        {QStringLiteral("mirror"), tr("&Mirror")},   {QStringLiteral("beamsplitter"), tr("&Beamsplitter")},
        {QStringLiteral("dichroic"), tr("&Dichroic")}, {QStringLiteral("waveplate"), tr("&Waveplate")},
        {QStringLiteral("slm"), tr("S&LM")},         {QStringLiteral("ruler"), tr("&Ruler")},
        {QStringLiteral("text"), tr("&Text")}};
    for (const auto &t : types) {
        const QString type = t.first;
        QAction *a = insert->addAction(t.second, this, [this, type] { insertItemAtViewCentre(type); });
        m_insertActions.insert(type, a);
    }

    QMenu *plugins = menuBar()->addMenu(tr("&Plugins"));
    plugins->addAction(tr("&Manage Plugins…"), this, [this] {
        PluginManagerDialog dialog(m_plugins, this);
        dialog.exec();
    });

    m_helpMenu = menuBar()->addMenu(tr("&Help"));
    m_helpMenu->addAction(tr("&About"), this, [this] {
        QMessageBox::about(this, tr("About Optiverse Host Stub"),
                           tr("<b>Optiverse Host Stub</b> %1<p>A minimal host for the Optiverse "
                              "plugin interface (%2).")
                               .arg(QApplication::applicationVersion(),
                                    QStringLiteral(OPTIVERSE_IPLUGIN_IID)));
    });
}

void HostMainWindow::updateActions()
{
    const int selected = int(m_scene->selectedUuids().size());
    m_deleteAction->setEnabled(selected > 0);
    m_propertiesAction->setEnabled(selected == 1);
}

bool HostMainWindow::insertItemAtViewCentre(const QString &type, QString *errorString)
{
    // At the centre of the view, each new one 10 mm further along a diagonal
    // (wrapping after 8) so successive inserts do not hide one another.
    const QPointF centre = m_view->mapToScene(m_view->viewport()->rect().center());
    // The host creates this item, so it writes the type's defaults into its
    // data (every peer then draws the same), and stacks it on top.
    const double offset = 10.0 * (m_inserted++ % 8);
    QJsonObject data = OpticalItem::defaultData(type);
    data.insert(OpticalItem::xKey(), centre.x() + offset);
    data.insert(OpticalItem::yKey(), centre.y() + offset);
    data.insert(QStringLiteral("z_value"), m_scene->nextZValue());
    const Optiverse::SceneItem item{QUuid::createUuid(), type, data};
    return m_scene->addItem(item, ChangeOrigin::Local, errorString);
}

void HostMainWindow::deleteSelection()
{
    const QList<QUuid> selected = m_scene->selectedUuids();
    if (selected.isEmpty())
        return;
    QUndoStack *stack = m_scene->undoStack();
    stack->beginMacro(tr("Delete %n item(s)", nullptr, int(selected.size())));
    for (const QUuid &uuid : selected)
        m_scene->removeItem(uuid, ChangeOrigin::Local, nullptr);
    stack->endMacro();
}

PropertiesDialog *HostMainWindow::propertiesDialog() const
{
    return m_propertiesDialog;
}

void HostMainWindow::editProperties()
{
    const QList<QUuid> selected = m_scene->selectedUuids();
    if (selected.size() != 1 || m_propertiesDialog)
        return;
    const QUuid uuid = selected.first();
    // Window-modal but not blocking the event loop: the session goes on, and
    // the banner says who else edits this item while it is open.
    auto *dialog = new PropertiesDialog(m_scene->item(uuid), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_propertiesDialog = dialog;
    const auto showEditors = [this, dialog, uuid] { dialog->setOthersEditing(m_editing->editorsOf(uuid)); };
    connect(m_editing, &EditingOverlay::remoteEditingChanged, dialog, showEditors);
    showEditors();
    connect(dialog, &QDialog::finished, this, [this, dialog, uuid](int result) {
        m_editing->setLocallyOpen(uuid, false);
        if (result != QDialog::Accepted)
            return;
        QString error;
        // The item may have been removed remotely while the dialog was open.
        if (!m_scene->updateItem(uuid, dialog->changes(), ChangeOrigin::Local, &error))
            QMessageBox::warning(this, tr("Edit Properties"), error);
    });
    m_editing->setLocallyOpen(uuid, true);
    dialog->open();
}

QMainWindow *HostMainWindow::mainWindow() const
{
    return const_cast<HostMainWindow *>(this);
}

void HostMainWindow::addMenu(QMenu *menu)
{
    if (!menu)
        return;
    menuBar()->insertMenu(m_helpMenu->menuAction(), menu); // does not take ownership
}

void HostMainWindow::removeMenu(QMenu *menu)
{
    if (menu)
        menuBar()->removeAction(menu->menuAction());
}

void HostMainWindow::addStatusWidget(QWidget *widget)
{
    if (!widget || m_statusWidgetParents.contains(widget))
        return;
    m_statusWidgetParents.insert(widget, widget->parentWidget());
    m_statusWidgets.append(widget);
    statusBar()->addPermanentWidget(widget);
    widget->show();
}

void HostMainWindow::removeStatusWidget(QWidget *widget)
{
    if (!widget || !m_statusWidgetParents.contains(widget))
        return;
    m_statusWidgets.removeAll(widget);
    statusBar()->removeWidget(widget); // hides it, does not delete it
    widget->hide();
    widget->setParent(m_statusWidgetParents.take(widget)); // back to the plugin's own parent (or none)
}

Optiverse::IScene *HostMainWindow::scene() const
{
    return m_scene;
}

void *HostMainWindow::queryInterface(const char *iid) const
{
    if (iid && m_presence && qstrcmp(iid, OPTIVERSE_IPRESENCEHOST_IID) == 0)
        return static_cast<Optiverse::IPresenceHost *>(m_presence);
    // The ISceneKeys sub-object of the scene, not the scene: HostScene
    // inherits QObject and IScene first (see IHost::queryInterface).
    if (iid && qstrcmp(iid, OPTIVERSE_ISCENEKEYS_IID) == 0)
        return static_cast<Optiverse::ISceneKeys *>(m_scene);
    if (iid && qstrcmp(iid, OPTIVERSE_IUNDOHOST_IID) == 0)
        return static_cast<Optiverse::IUndoHost *>(m_scene);
    if (iid && qstrcmp(iid, OPTIVERSE_IEDITINGHOST_IID) == 0)
        return static_cast<Optiverse::IEditingHost *>(m_editing);
    if (iid && qstrcmp(iid, OPTIVERSE_IVIEWHOST_IID) == 0)
        return static_cast<Optiverse::IViewHost *>(m_navigator);
    if (iid && qstrcmp(iid, OPTIVERSE_ISESSIONHOST_IID) == 0)
        return static_cast<Optiverse::ISessionHost *>(const_cast<HostMainWindow *>(this));
    return nullptr;
}

void HostMainWindow::setSessionTitle(Optiverse::IPlugin *plugin, const QString &title)
{
    if (title.isEmpty())
        m_sessionTitles.remove(plugin);
    else
        m_sessionTitles.insert(plugin, title);
    updateTitle();
}

void HostMainWindow::setShutdownWarning(Optiverse::IPlugin *plugin, const QString &warning)
{
    if (warning.isEmpty())
        m_shutdownWarnings.remove(plugin);
    else
        m_shutdownWarnings.insert(plugin, warning);
}

QStringList HostMainWindow::shutdownWarnings(Optiverse::IPlugin *plugin) const
{
    if (plugin)
        return m_shutdownWarnings.contains(plugin) ? QStringList{m_shutdownWarnings.value(plugin)} : QStringList();
    return m_shutdownWarnings.values();
}

bool HostMainWindow::confirmLeaving(const QStringList &warnings)
{
    return warnings.isEmpty() || !m_confirm || m_confirm(warnings);
}

void HostMainWindow::updateTitle()
{
    QStringList parts = m_sessionTitles.values();
    parts.sort();
    parts.append(tr("Optiverse Host Stub"));
    setWindowTitle(parts.join(QStringLiteral(" — ")));
}

void HostMainWindow::forgetUnloadedPlugins()
{
    QSet<Optiverse::IPlugin *> alive;
    for (const QString &name : m_plugins->loadOrder())
        alive.insert(m_plugins->instance(name));
    for (auto *map : {&m_sessionTitles, &m_shutdownWarnings})
        map->removeIf([&alive](const auto &it) { return !alive.contains(it.key()); });
    updateTitle();
}
