// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/ihost.h>
#include <optiverse/isessionhost.h>

#include <functional>

#include <QHash>
#include <QMainWindow>
#include <QPointer>

class EditingOverlay;
class HostScene;
class PluginManager;
class PropertiesDialog;
class PresenceOverlay;
class QAction;
class QGraphicsView;
class QMenu;
class ViewNavigator;

/**
 * The host's main window and its IHost.
 *
 * Plugins get menus (inserted before Help) and permanent status-bar widgets
 * through IHost; both stay owned by the plugin, so removal never deletes
 * them. Closing the window shuts all plugins down (reverse load order) while
 * everything they might touch is still alive.
 */
class HostMainWindow : public QMainWindow, public Optiverse::IHost, public Optiverse::ISessionHost
{
    Q_OBJECT
public:
    explicit HostMainWindow(QWidget *parent = nullptr);
    ~HostMainWindow() override;

    // IHost
    QMainWindow *mainWindow() const override;
    void addMenu(QMenu *menu) override;
    void removeMenu(QMenu *menu) override;
    void addStatusWidget(QWidget *widget) override;
    void removeStatusWidget(QWidget *widget) override;
    Optiverse::IScene *scene() const override;
    void *queryInterface(const char *iid) const override;

    // ISessionHost
    void setSessionTitle(Optiverse::IPlugin *plugin, const QString &title) override;
    void setShutdownWarning(Optiverse::IPlugin *plugin, const QString &warning) override;

    /// The plugins' shutdown warnings now in force (for @p plugin only, if given).
    QStringList shutdownWarnings(Optiverse::IPlugin *plugin = nullptr) const;
    /// Asks the user to confirm @p warnings (none: true). The default shows a
    /// question box; tests replace it.
    bool confirmLeaving(const QStringList &warnings);
    void setLeaveConfirmation(std::function<bool(const QStringList &)> confirm) { m_confirm = std::move(confirm); }
    /// The status widgets plugins added, in order (for --dump-status).
    QList<QWidget *> statusWidgets() const { return m_statusWidgets; }

    HostScene *hostScene() const { return m_scene; }
    QGraphicsView *view() const { return m_view; }
    PresenceOverlay *presence() const { return m_presence; }
    EditingOverlay *editing() const { return m_editing; }
    ViewNavigator *navigator() const { return m_navigator; }
    /// The open Edit Properties… dialog (window-modal, not blocking), or null.
    PropertiesDialog *propertiesDialog() const;
    PluginManager *pluginManager() const { return m_plugins; }
    QMenu *helpMenu() const { return m_helpMenu; }
    /// The Insert action that adds an item of @p type (tests trigger it).
    QAction *insertAction(const QString &type) const { return m_insertActions.value(type); }
    QAction *deleteAction() const { return m_deleteAction; }
    QAction *propertiesAction() const { return m_propertiesAction; }

    /// Adds a new @p type item (defaults) at the centre of the view, as a local edit.
    bool insertItemAtViewCentre(const QString &type, QString *errorString = nullptr);
    /// Removes the selected items as one undo step.
    void deleteSelection();

signals:
    /// The window is closing and the plugins are about to be shut down (what
    /// they show is still there).
    void aboutToShutDownPlugins();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createMenus();
    void editProperties();
    void updateActions();
    void updateTitle();
    void forgetUnloadedPlugins();

    HostScene *m_scene;
    QGraphicsView *m_view;
    PresenceOverlay *m_presence;
    EditingOverlay *m_editing;
    ViewNavigator *m_navigator;
    PluginManager *m_plugins;
    QPointer<PropertiesDialog> m_propertiesDialog;
    QMenu *m_helpMenu = nullptr;
    QAction *m_deleteAction = nullptr;
    QAction *m_propertiesAction = nullptr;
    QHash<QString, QAction *> m_insertActions;
    // Where each plugin status widget lived before we took it, to hand it
    // back on removal (the status bar would otherwise delete it with us).
    QHash<QWidget *, QPointer<QWidget>> m_statusWidgetParents;
    QList<QWidget *> m_statusWidgets;
    // ISessionHost values per plugin, forgotten when it unloads.
    QHash<Optiverse::IPlugin *, QString> m_sessionTitles;
    QHash<Optiverse::IPlugin *, QString> m_shutdownWarnings;
    std::function<bool(const QStringList &)> m_confirm;
    int m_inserted = 0; // offsets successive inserts so they do not stack
};
